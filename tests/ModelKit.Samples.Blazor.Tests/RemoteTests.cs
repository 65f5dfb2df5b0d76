using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Digits;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>The Local / Remote switch: the same generated client against a ModelKit server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RemoteTests(BlazorAppFixture fixture, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Remote_AgainstTheAppsOwnServer_GivesTheSameAnswer()
    {
        var app = await fixture.AppAsync();
        var page = await fixture.OpenAsync(app);
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);
        var digit = MnistStrokes.OnePerLabel()[3];
        int local = await BrowserDriver.DrawAsync(page, MnistStrokes.FromDigit(digit, PadGeometry.Default));

        await page.GetByTestId("location-remote").ClickAsync();
        var prediction = page.GetByTestId("prediction");
        await Expect(prediction).ToHaveAttributeAsync("data-location", "Remote");
        Assert.Equal(local.ToString(System.Globalization.CultureInfo.InvariantCulture), await prediction.GetAttributeAsync("data-digit"));
        await BrowserDriver.ScreenshotAsync(page, "remote-self");

        // The service page sees both ends: the app's ModelKit server answered the request, and its remote client made it.
        await page.GotoAsync($"{app.Url}/service");
        await Expect(page.Locator("[data-testid=series][data-model=mnist-mlp][data-source^='server/']")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=remote-row][data-model=mnist-mlp]")).ToContainTextAsync("remote");
    }

    [SkippableFact]
    public async Task Remote_GivesTheSameAnswer_AndAStoppedServerShowsAnError()
    {
        await fixture.BrowserAsync(); // skip early without Chromium
        await using var server = await RemoteModelServer.StartAsync(fixture.MlpPath, fixture.CnnPath);
        await using var app = await fixture.StartAppAsync(server.Url);
        var page = await fixture.OpenAsync(app);
        await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);

        var digit = MnistStrokes.OnePerLabel()[2];
        int local = await BrowserDriver.DrawAsync(page, MnistStrokes.FromDigit(digit, PadGeometry.Default));
        var prediction = page.GetByTestId("prediction");
        await Expect(prediction).ToHaveAttributeAsync("data-location", "Local");

        await page.GetByTestId("location-remote").ClickAsync();
        await Expect(prediction).ToHaveAttributeAsync("data-location", "Remote");
        Assert.Equal(local.ToString(System.Globalization.CultureInfo.InvariantCulture), await prediction.GetAttributeAsync("data-digit"));
        await Expect(page.Locator(".hint")).Not.ToHaveCountAsync(0);
        await BrowserDriver.ScreenshotAsync(page, "remote");

        // The server goes away: the page says so, and the circuit survives.
        await server.StopAsync();
        await page.GetByTestId("predict").ClickAsync();
        var error = page.GetByTestId("error");
        await Expect(error).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(error).ToContainTextAsync(server.Url);
        output.WriteLine($"error shown: {await error.InnerTextAsync()}");
        await BrowserDriver.ScreenshotAsync(page, "remote-down");
        await BrowserDriver.AssertCircuitAliveAsync(page);

        // Back to local: answers again.
        await page.GetByTestId("location-local").ClickAsync();
        await Expect(prediction).ToHaveAttributeAsync("data-location", "Local");
        Assert.Equal(local.ToString(System.Globalization.CultureInfo.InvariantCulture), await prediction.GetAttributeAsync("data-digit"));
    }
}
