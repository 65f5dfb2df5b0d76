using System.Globalization;
using Microsoft.Playwright;
using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Digits;
using static Microsoft.Playwright.Assertions;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>What a person does on the sample's pages, through Playwright.</summary>
internal static class BrowserDriver
{
    /// <summary>Draws the strokes with the mouse (down, moves, up per stroke) and returns the digit the page shows after the last one.</summary>
    public static async Task<int> DrawAsync(IPage page, IReadOnlyList<Stroke> strokes)
    {
        var box = await page.GetByTestId("pad").BoundingBoxAsync() ?? throw new InvalidOperationException("The drawing pad is not visible.");
        foreach (var stroke in strokes)
        {
            var p = stroke.Points;
            await page.Mouse.MoveAsync(box.X + p[0], box.Y + p[1]);
            await page.Mouse.DownAsync();
            for (int i = 2; i + 1 < p.Length; i += 2)
            {
                await page.Mouse.MoveAsync(box.X + p[i], box.Y + p[i + 1], new MouseMoveOptions { Steps = 2 });
            }

            await page.Mouse.UpAsync();
        }

        var prediction = page.GetByTestId("prediction");
        await Expect(prediction).ToHaveAttributeAsync("data-strokes", strokes.Count.ToString(CultureInfo.InvariantCulture));
        return int.Parse(await prediction.GetAttributeAsync("data-digit") ?? "-1", CultureInfo.InvariantCulture);
    }

    /// <summary>Draws the strokes with a finger: Chromium touch events (touchStart, touchMove…, touchEnd) through the DevTools protocol.</summary>
    public static async Task<int> DrawWithTouchAsync(IPage page, IReadOnlyList<Stroke> strokes)
    {
        var box = await page.GetByTestId("pad").BoundingBoxAsync() ?? throw new InvalidOperationException("The drawing pad is not visible.");
        var cdp = await page.Context.NewCDPSessionAsync(page);
        Dictionary<string, object> Touch(string type, params (double X, double Y)[] points) => new()
        {
            ["type"] = type,
            ["touchPoints"] = points.Select(p => new Dictionary<string, object> { ["x"] = box.X + p.X, ["y"] = box.Y + p.Y, ["id"] = 1 }).ToArray(),
        };

        foreach (var stroke in strokes)
        {
            var p = stroke.Points;
            await cdp.SendAsync("Input.dispatchTouchEvent", Touch("touchStart", (p[0], p[1])));
            for (int i = 2; i + 1 < p.Length; i += 2)
            {
                await cdp.SendAsync("Input.dispatchTouchEvent", Touch("touchMove", (p[i], p[i + 1])));
            }

            await cdp.SendAsync("Input.dispatchTouchEvent", Touch("touchEnd"));
        }

        var prediction = page.GetByTestId("prediction");
        await Expect(prediction).ToHaveAttributeAsync("data-strokes", strokes.Count.ToString(CultureInfo.InvariantCulture));
        return int.Parse(await prediction.GetAttributeAsync("data-digit") ?? "-1", CultureInfo.InvariantCulture);
    }

    public static async Task ClearAsync(IPage page)
    {
        await page.GetByTestId("clear").ClickAsync();
        await Expect(page.GetByTestId("no-prediction")).ToBeVisibleAsync();
    }

    public static async Task SelectModelAsync(IPage page, DigitModelKind model)
    {
        await page.GetByTestId("model").SelectOptionAsync(model.ToString());
        await Expect(page.GetByTestId("model")).ToHaveValueAsync(model.ToString());
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BlazorAppFixture.ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>Fails when Blazor's "connection broke" bar is showing (a broken circuit).</summary>
    public static Task AssertCircuitAliveAsync(IPage page) => Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
}
