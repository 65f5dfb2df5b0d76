using System.Globalization;
using Microsoft.Playwright;
using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.Media.Listening;
using ModelKit.Samples.Media.Reading;
using ModelKit.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>
/// The Search, Read and Listen pages in Chromium, with the real models: local, then Remote against the app's own ModelKit server
/// (the same answers).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MediaPageTests(BlazorAppFixture fixture, ITestOutputHelper output) : IDisposable
{
    // The first call of a page may wait for its model to load and, on Search, for 300 sentences to be embedded.
    private static readonly LocatorAssertionsToHaveAttributeOptions FirstAnswer = new() { Timeout = 90_000 };

    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"modelkit-blazor-media-{Guid.NewGuid():N}")).FullName;

    [SkippableFact]
    public async Task Search_RanksTheRelatedSentencesFirst_LocalAndRemote()
    {
        var app = await fixture.AppAsync();
        var page = await OpenAsync(app, "search");
        await Expect(page.GetByTestId("no-results")).ToBeVisibleAsync();

        var music = await SearchAsync(page, "someone plays an instrument", FirstAnswer);
        Assert.All(music.Take(3), h => Assert.Equal("music", h.Topic));
        Assert.Equal(music.Select(static h => h.Score).OrderDescending(), music.Select(static h => h.Score));
        Assert.True(music[0].Score > 0.45f, $"best score {music[0].Score}");
        await BrowserDriver.ScreenshotAsync(page, "search");

        var finance = await SearchAsync(page, "the stock market fell today");
        Assert.All(finance.Take(3), h => Assert.Equal("finance", h.Topic));

        // Remote: the same query again through the app's ModelKit server, the same ranking.
        await page.GetByTestId("location-remote").ClickAsync();
        var results = page.GetByTestId("results");
        await Expect(results).ToHaveAttributeAsync("data-location", "Remote", new() { Timeout = 90_000 });
        var remote = await HitsAsync(page);
        Assert.Equal(finance.Select(static h => h.Text), remote.Select(static h => h.Text));
        Assert.All(finance.Zip(remote), p => Assert.Equal(p.First.Score, p.Second.Score, 3));
        await BrowserDriver.AssertCircuitAliveAsync(page);
    }

    [SkippableFact]
    public async Task Read_TypedText_ShowsTheLinesWithBoxesOverTheImage_LocalAndRemote()
    {
        string[] typed = ["Invoices are due on Friday", "The quick brown fox jumps over the lazy dog"];
        var app = await fixture.AppAsync();
        var page = await OpenAsync(app, "read");
        await page.GetByTestId("text").FillAsync(string.Join('\n', typed));
        await page.GetByTestId("draw-read").ClickAsync();

        var view = page.GetByTestId("ocr-view");
        await Expect(view).ToHaveAttributeAsync("data-version", "1", FirstAnswer);
        var lines = await LinesAsync(page);
        output.WriteLine($"read: {string.Join(" | ", lines)}");
        AssertReads(typed, lines);

        // One box per line, drawn over the image (inside it, one below the other).
        var boxes = page.GetByTestId("box");
        await Expect(boxes).ToHaveCountAsync(typed.Length);
        var image = await view.Locator("img").BoundingBoxAsync() ?? throw new InvalidOperationException("The image is not visible.");
        double previousTop = double.MinValue;
        for (int i = 0; i < typed.Length; i++)
        {
            var box = await boxes.Nth(i).BoundingBoxAsync() ?? throw new InvalidOperationException($"Box {i + 1} is not visible.");
            Assert.True(box.Width > 50 && box.Height > 10, $"box {i + 1}: {box.Width}×{box.Height}");
            Assert.InRange(box.X, image.X - 1, image.X + image.Width);
            Assert.InRange(box.Y + box.Height, image.Y, image.Y + image.Height + 1);
            Assert.True(box.Y > previousTop, "boxes in reading order");
            previousTop = box.Y;
        }

        await BrowserDriver.ScreenshotAsync(page, "read");
        await Expect(view).ToHaveAttributeAsync("data-via", "networks");

        // Remote: the app's ModelKit server serves the pipeline as one model, so the image goes there and the lines come back.
        await page.GetByTestId("location-remote").ClickAsync();
        await Expect(view).ToHaveAttributeAsync("data-location", "Remote", FirstAnswer);
        await Expect(view).ToHaveAttributeAsync("data-via", "pipeline");
        await Expect(page.GetByTestId("via")).ToContainTextAsync("served pipeline 'paddleocr'");
        Assert.Equal(lines, await LinesAsync(page));
        await Expect(boxes).ToHaveCountAsync(typed.Length);
    }

    [SkippableFact]
    public async Task Read_AnUploadedImage_IsRead_AndAFileThatIsNoImageIsAnError()
    {
        string png = Path.Combine(_folder, "upload.png");
        File.WriteAllBytes(png, TextImage.Render("Uploaded pictures work too").Png);
        string notAnImage = Path.Combine(_folder, "notes.png");
        File.WriteAllText(notAnImage, "this is text, not a picture");
        var app = await fixture.AppAsync();
        var page = await OpenAsync(app, "read");

        await page.GetByTestId("upload").SetInputFilesAsync(png);
        await Expect(page.GetByTestId("ocr-view")).ToHaveAttributeAsync("data-version", "1", FirstAnswer);
        AssertReads(["Uploaded pictures work too"], await LinesAsync(page));

        await page.GetByTestId("upload").SetInputFilesAsync(notAnImage);
        await Expect(page.GetByTestId("error")).ToContainTextAsync("That image cannot be read");
        await BrowserDriver.AssertCircuitAliveAsync(page);
    }

    [SkippableFact]
    public async Task Listen_AnUploadedEspeakRecording_ShowsOneSegmentPerPhrase_LocalAndRemote()
    {
        var recording = await MakeRecordingAsync("phrases.wav");
        var app = await fixture.AppAsync();
        var page = await OpenAsync(app, "listen");

        await page.GetByTestId("upload").SetInputFilesAsync(recording.Path);
        var timeline = page.GetByTestId("timeline");
        await Expect(timeline).ToHaveAttributeAsync("data-version", "1", FirstAnswer);
        var segments = await SegmentsAsync(page);
        output.WriteLine($"segments: {string.Join(", ", segments)}; phrases: {string.Join(", ", recording.Phrases.Select(static p => $"{p.Start.TotalSeconds:F3}–{p.End.TotalSeconds:F3}"))}");
        Assert.Equal(recording.Phrases.Count, segments.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            Assert.InRange(segments[i].Start, recording.Phrases[i].Start.TotalSeconds - 0.15, recording.Phrases[i].Start.TotalSeconds + 0.15);
            Assert.InRange(segments[i].End, recording.Phrases[i].End.TotalSeconds - 0.15, recording.Phrases[i].End.TotalSeconds + 0.2);
        }

        await Expect(page.GetByTestId("segment-bar")).ToHaveCountAsync(recording.Phrases.Count);
        await BrowserDriver.ScreenshotAsync(page, "listen");

        await Expect(timeline).ToHaveAttributeAsync("data-state", "client");

        // Remote: the app's server serves silero-vad as a sequence model, so the stream is one server-side sequence (audio only on
        // the wire, the state kept by the server), with the same segments.
        await page.GetByTestId("location-remote").ClickAsync();
        await Expect(timeline).ToHaveAttributeAsync("data-location", "Remote", FirstAnswer);
        await Expect(timeline).ToHaveAttributeAsync("data-state", "server");
        Assert.Equal(segments, await SegmentsAsync(page));
    }

    [SkippableFact]
    public async Task Listen_RecordsFromTheMicrophone()
    {
        // Chromium's fake microphone plays a WAV made with espeak-ng (looping); the page records it with MediaRecorder, decodes it with
        // Web Audio, encodes a WAV and hands it to .NET as a stream.
        var recording = await MakeRecordingAsync("microphone.wav", [(TimeSpan.FromSeconds(0.5), "Recording from the microphone works")]);
        var browser = await fixture.LaunchAsync("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-audio-capture={recording.Path}");
        try
        {
            var app = await fixture.AppAsync();
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
            await context.GrantPermissionsAsync(["microphone"]);
            context.SetDefaultTimeout(20_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync($"{app.Url}/listen");
            await WaitInteractiveAsync(page);

            await page.GetByTestId("record").ClickAsync();
            await Expect(page.GetByTestId("recording")).ToBeVisibleAsync();
            // What is being tested takes real time: the microphone is recorded for as long as the phrase lasts, and a little more.
            await page.WaitForTimeoutAsync((float)recording.Duration.TotalMilliseconds + 500);
            await page.GetByTestId("stop").ClickAsync();

            await Expect(page.GetByTestId("timeline")).ToHaveAttributeAsync("data-version", "1", FirstAnswer);
            var segments = await SegmentsAsync(page);
            output.WriteLine($"recorded segments: {string.Join(", ", segments)}");
            Assert.NotEmpty(segments);
            Assert.All(segments, s => Assert.True(s.End - s.Start >= 0.25, $"segment {s} shorter than the minimum speech"));
            await BrowserDriver.ScreenshotAsync(page, "listen-microphone");
            await context.CloseAsync();
        }
        finally
        {
            await browser.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<IPage> OpenAsync(AppProcess app, string path)
    {
        var page = await fixture.OpenAsync(app, path);
        await WaitInteractiveAsync(page);
        return page;
    }

    private static Task WaitInteractiveAsync(IPage page) =>
        Expect(page.GetByTestId("media-page")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 30_000 });

    private async Task<SpeechRecording> MakeRecordingAsync(string name, IReadOnlyList<(TimeSpan, string)>? phrases = null)
    {
        await fixture.BrowserAsync(); // skip early without Chromium
        try
        {
            return await SpeechRecordingMaker.MakeAsync(Path.Combine(_folder, name), phrases);
        }
        catch (SpeechSynthesizerNotFoundException ex)
        {
            Skip.If(!SharedData.IsCI, ex.Message + " Skipping.");
            throw new InvalidOperationException(ex.Message + " Under CI=true it must be present.", ex);
        }
    }

    private static async Task<List<(float Score, string Topic, string Text)>> SearchAsync(IPage page, string query, LocatorAssertionsToHaveAttributeOptions? wait = null)
    {
        await page.GetByTestId("query").FillAsync(query);
        await page.GetByTestId("search").ClickAsync();
        await Expect(page.GetByTestId("results")).ToHaveAttributeAsync("data-query", query, wait);
        return await HitsAsync(page);
    }

    private static async Task<List<(float Score, string Topic, string Text)>> HitsAsync(IPage page)
    {
        var hits = new List<(float, string, string)>();
        foreach (var hit in await page.GetByTestId("hit").AllAsync())
        {
            hits.Add((float.Parse((await hit.GetAttributeAsync("data-score"))!, CultureInfo.InvariantCulture),
                (await hit.GetAttributeAsync("data-topic"))!,
                await hit.Locator(".sentence").InnerTextAsync()));
        }

        Assert.Equal(10, hits.Count);
        return hits;
    }

    private static async Task<List<string>> LinesAsync(IPage page)
    {
        var lines = new List<string>();
        foreach (var line in await page.GetByTestId("line").AllAsync())
        {
            lines.Add((await line.GetAttributeAsync("data-text"))!);
        }

        return lines;
    }

    private static async Task<List<(double Start, double End)>> SegmentsAsync(IPage page)
    {
        var segments = new List<(double, double)>();
        foreach (var row in await page.GetByTestId("segment").AllAsync())
        {
            segments.Add((double.Parse((await row.GetAttributeAsync("data-start"))!, CultureInfo.InvariantCulture),
                double.Parse((await row.GetAttributeAsync("data-end"))!, CultureInfo.InvariantCulture)));
        }

        return segments;
    }

    /// <summary>
    /// Each typed line read back: PaddleOCR's recognizer often runs English words together (ModelKit.Vision's README), so characters
    /// are compared without spaces, at the issue's character accuracy (≥ 97% over the test set; ≥ 95% per line here).
    /// </summary>
    private static void AssertReads(IReadOnlyList<string> typed, IReadOnlyList<string> read)
    {
        Assert.Equal(typed.Count, read.Count);
        for (int i = 0; i < typed.Count; i++)
        {
            double accuracy = TextMetrics.CharacterAccuracy(typed[i], read[i]);
            Assert.True(accuracy >= 0.95, $"line {i + 1}: typed \"{typed[i]}\", read \"{read[i]}\" ({accuracy:P1})");
        }
    }
}
