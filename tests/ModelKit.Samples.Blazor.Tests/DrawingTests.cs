using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>A person draws digits in Chromium; the app classifies them through ModelKit.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DrawingTests(BlazorAppFixture fixture, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task DrawnDigits_AreRecognisedByTheMlp_AndTheServicePageCountsThem()
    {
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app);
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);

        int correct = await DrawAllDigitsAsync(page, "mlp");
        Assert.True(correct >= 8, $"only {correct} of 10 drawn digits recognised by the MLP");
        await BrowserDriver.AssertCircuitAliveAsync(page);

        // The service page: the MLP loaded, and non-zero request counts for it from ModelKit's meter.
        await page.GotoAsync($"{app.Url}/service");
        var row = page.Locator("[data-testid=model-row][data-model=mnist-mlp]");
        await Expect(row).ToHaveAttributeAsync("data-status", "loaded");
        await Expect(row).ToContainTextAsync("onnxruntime");
        var series = page.Locator("[data-testid=series][data-model=mnist-mlp][data-source=onnxruntime]");
        await Expect(series).ToBeVisibleAsync();
        long total = long.Parse(await series.GetAttributeAsync("data-total") ?? "0", CultureInfo.InvariantCulture);
        output.WriteLine($"service page: {total} runs of mnist-mlp");
        Assert.True(total >= 10, $"the service page counts {total} runs of mnist-mlp after 10 drawn digits");
        await Expect(series.GetByTestId("chart-rps").Locator("polyline")).Not.ToHaveCountAsync(0);
        await Expect(series.GetByTestId("chart-latency").Locator("polyline")).Not.ToHaveCountAsync(0);
        await Expect(series.GetByTestId("chart-batch").Locator("polyline")).Not.ToHaveCountAsync(0);
        await BrowserDriver.ScreenshotAsync(page, "service");
    }

    [SkippableFact]
    public async Task DrawnDigits_AreRecognisedByTheCnn()
    {
        SharedData.Require("models/mnist.onnx");
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app);
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Cnn);
        int correct = await DrawAllDigitsAsync(page, "cnn");
        Assert.True(correct >= 8, $"only {correct} of 10 drawn digits recognised by the CNN");
    }

    [SkippableFact]
    public async Task HandDrawnDigits_AreRecognised()
    {
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app);
        var model = fixture.CnnPath is null ? DigitModelKind.Mlp : DigitModelKind.Cnn;
        await BrowserDriver.SelectModelAsync(page, model);
        var cases = new (int Label, IReadOnlyList<Stroke> Strokes)[]
        {
            (0, HandDrawnDigits.Zero), (1, HandDrawnDigits.One), (7, HandDrawnDigits.Seven), (3, HandDrawnDigits.Three),
        };
        var shown = new List<int>();
        foreach (var (label, strokes) in cases)
        {
            await BrowserDriver.ClearAsync(page);
            shown.Add(await BrowserDriver.DrawAsync(page, strokes));
            output.WriteLine($"{model}: hand-drawn {label} → {shown[^1]}");
            await BrowserDriver.ScreenshotAsync(page, $"hand-drawn-{label}");
        }

        // The README's picture (docs/images/blazor.png is a copy): the last hand-drawn digit and its answer.
        await page.ScreenshotAsync(new() { Path = Path.Combine(BlazorAppFixture.ScreenshotFolder, "readme.png"), Clip = new() { X = 0, Y = 0, Width = 1000, Height = 640 } });

        Assert.Equal(cases.Select(static c => c.Label), shown);
    }

    [SkippableFact]
    public async Task DigitsDrawnWithAFinger_AreRecognised()
    {
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app, touch: true);
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);
        var digits = MnistStrokes.OnePerLabel();
        foreach (int label in new[] { 4, 7 })
        {
            await BrowserDriver.ClearAsync(page);
            int shown = await BrowserDriver.DrawWithTouchAsync(page, MnistStrokes.FromDigit(digits[label], PadGeometry.Default));
            Assert.Equal(label, shown);
        }

        await BrowserDriver.ScreenshotAsync(page, "touch");
    }

    [SkippableFact]
    public async Task EmptyCanvas_SaysSo_AndThePageKeepsWorking()
    {
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app);
        await page.GetByTestId("predict").ClickAsync();
        await Expect(page.GetByTestId("error")).ToContainTextAsync("The canvas is empty");
        await BrowserDriver.ScreenshotAsync(page, "empty-canvas");

        // Still alive: a drawing gets an answer afterwards.
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);
        var one = MnistStrokes.OnePerLabel()[1];
        int digit = await BrowserDriver.DrawAsync(page, MnistStrokes.FromDigit(one, PadGeometry.Default));
        Assert.InRange(digit, 0, 9);
        await Expect(page.GetByTestId("error")).ToBeHiddenAsync();
        await BrowserDriver.AssertCircuitAliveAsync(page);
    }

    [SkippableFact]
    public async Task TheAppServesTheOpenInferenceProtocolItself()
    {
        var app = await fixture.AppAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Url) };
        using var ready = await http.GetAsync("/v2/models/mnist-mlp/ready");
        Assert.True(ready.IsSuccessStatusCode, $"GET /v2/models/mnist-mlp/ready answered {(int)ready.StatusCode}");

        // One digit over REST JSON, straight to the app's own endpoint.
        var digit = MnistStrokes.OnePerLabel()[7];
        float[] pixels = DigitPreprocessor.Preprocess(MnistStrokes.FromDigit(digit, PadGeometry.Default), PadGeometry.Default);
        var request = new { inputs = new[] { new { name = "pixels", datatype = "FP32", shape = new[] { 1, 784 }, data = pixels } } };
        using var response = await http.PostAsJsonAsync("/v2/models/mnist-mlp/infer", request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var data = json.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
        Assert.Equal(10, data.Length);
        Assert.Equal(7, Array.IndexOf(data, data.Max()));
    }

    private async Task<int> DrawAllDigitsAsync(Microsoft.Playwright.IPage page, string model)
    {
        int correct = 0;
        foreach (var digit in MnistStrokes.OnePerLabel())
        {
            await BrowserDriver.ClearAsync(page);
            int shown = await BrowserDriver.DrawAsync(page, MnistStrokes.FromDigit(digit, PadGeometry.Default));
            output.WriteLine($"{model}: drew {digit.Label}, the page shows {shown}");
            correct += shown == digit.Label ? 1 : 0;
            await BrowserDriver.ScreenshotAsync(page, $"{model}-digit-{digit.Label}");
        }

        output.WriteLine($"{model}: {correct} of 10 recognised");
        return correct;
    }
}
