using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Digits;
using static Microsoft.Playwright.Assertions;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>A fresh clone: no MLP yet, so the app trains it while the page shows a progress bar.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstStartTests(BlazorAppFixture fixture)
{
    [SkippableFact]
    public async Task FirstStart_TrainsTheMlp_WithAVisibleProgressBar_ThenServesIt()
    {
        await fixture.BrowserAsync(); // skip early without Chromium
        string folder = Path.Combine(Path.GetTempPath(), $"modelkit-blazor-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            await using var app = await fixture.StartAppAsync(remoteEndpoint: null, mlpPath: Path.Combine(folder, "mlp.onnx"));
            var page = await fixture.OpenAsync(app);
            var training = page.GetByTestId("training");
            await Expect(training.Locator("progress")).ToBeVisibleAsync();
            await BrowserDriver.SelectModelAsync(page, DigitModelKind.Mlp);

            // Drawing while it trains: a message, not a broken page.
            var strokes = HandDrawnDigits.Seven;
            await page.Mouse.MoveAsync(0, 0);
            var box = (await page.GetByTestId("pad").BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(box.X + strokes[0].Points[0], box.Y + strokes[0].Points[1]);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(box.X + 200, box.Y + 60, new() { Steps = 3 });
            await page.Mouse.UpAsync();
            await Expect(page.GetByTestId("error")).ToContainTextAsync("still training");
            await BrowserDriver.ScreenshotAsync(page, "first-start-training");

            await Expect(training).ToBeHiddenAsync(new() { Timeout = 180_000 });
            await BrowserDriver.ClearAsync(page);
            Assert.Equal(7, await BrowserDriver.DrawAsync(page, strokes));

            // The app's own ModelKit server loaded the freshly trained model too.
            using var http = new HttpClient { BaseAddress = new Uri(app.Url) };
            using var ready = await http.GetAsync("/v2/models/mnist-mlp/ready");
            Assert.True(ready.IsSuccessStatusCode, $"GET /v2/models/mnist-mlp/ready answered {(int)ready.StatusCode}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
