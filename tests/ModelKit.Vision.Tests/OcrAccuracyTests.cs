using System.Diagnostics;
using ModelKit.Testing;
using ModelKit.Vision.Ocr;
using Xunit.Abstractions;

namespace ModelKit.Vision.Tests;

/// <summary>PaddleOCR end to end on rendered printed English: accuracy, recall, upside-down pages, reading order.</summary>
public sealed class OcrAccuracyTests(OcrFixture fixture, ITestOutputHelper output) : IClassFixture<OcrFixture>
{
    [SkippableFact]
    public async Task Rendered_lines_are_read_with_97_percent_character_accuracy_and_98_percent_recall()
    {
        var pages = TextRendering.Pages(lineCount: 105, seed: 42);
        int lines = 0, recalled = 0, charErrors = 0, chars = 0, wordErrors = 0, words = 0;
        var clock = Stopwatch.StartNew();
        foreach (var page in pages)
        {
            var read = await fixture.Reader.ReadAsync(page.Png);
            foreach (var truth in page.Lines)
            {
                string text = MatchedText(read, truth);
                lines++;
                recalled += text.Length > 0 ? 1 : 0;
                string expected = TextMetrics.WithoutSpaces(truth.Text);
                int distance = TextMetrics.EditDistance(expected.ToCharArray(), TextMetrics.WithoutSpaces(text).ToCharArray());
                charErrors += distance;
                chars += expected.Length;
                wordErrors += TextMetrics.EditDistance(TextMetrics.WordsOf(truth.Text), TextMetrics.WordsOf(text));
                words += TextMetrics.WordsOf(truth.Text).Length;
                if (distance > 0)
                {
                    output.WriteLine($"{truth.Font} {truth.Size}px: '{truth.Text}' → '{text}'");
                }
            }
        }

        clock.Stop();
        double charAccuracy = 1 - charErrors / (double)chars;
        double wordAccuracy = 1 - wordErrors / (double)words;
        double recall = recalled / (double)lines;
        output.WriteLine($"{lines} lines on {pages.Count} pages: character accuracy {charAccuracy:P2}, word accuracy {wordAccuracy:P2}, line recall {recall:P2}; " +
            $"{clock.Elapsed.TotalMilliseconds / pages.Count:0} ms per page, {clock.Elapsed.TotalMilliseconds / lines:0.0} ms per line (informational)");
        Assert.True(lines >= 100, $"{lines} lines");
        Assert.True(charAccuracy >= 0.97, $"character accuracy {charAccuracy:P2} < 97%");
        Assert.True(recall >= 0.98, $"line recall {recall:P2} < 98%");
    }

    [SkippableFact]
    public async Task A_page_turned_180_degrees_is_read_right_side_up_in_reading_order()
    {
        var page = TextRendering.Turned(TextRendering.Render(
        [
            ("Seven silver spoons rest on the table", "DejaVuSans.ttf", 30),
            ("The quick brown fox jumps over", "DejaVuSerif.ttf", 26),
            ("a lazy dog in the quiet garden", "DejaVuSansMono.ttf", 22),
        ], 760, 240, noise: false));
        var read = await fixture.Reader.ReadAsync(page.Png);
        output.WriteLine(string.Join(" | ", read.Select(l => $"{l.Text} ({l.Confidence:0.00}, upside down: {l.UpsideDown})")));
        // The recognizer often runs words together (its training is mostly Chinese): compared without spaces, as the accuracy figure is.
        Assert.Equal(page.Lines.Select(l => TextMetrics.WithoutSpaces(l.Text)), read.Select(l => TextMetrics.WithoutSpaces(l.Text)));
        Assert.All(read, l => Assert.True(l.UpsideDown));
    }

    [SkippableFact]
    public async Task A_multi_line_page_returns_lines_in_reading_order()
    {
        // Two blocks side by side on the same rows, then a full-width line: top to bottom, left to right within a row.
        var page = TextRendering.RenderAt(
        [
            ("morning coffee", "DejaVuSans.ttf", 28, 40, 30),
            ("evening music", "DejaVuSans.ttf", 28, 480, 32),
            ("silver river", "DejaVuSerif.ttf", 28, 40, 110),
            ("golden forest", "DejaVuSerif.ttf", 28, 480, 108),
            ("the last line runs across the page", "DejaVuSansMono.ttf", 24, 40, 200),
        ], 860, 280, noise: true);
        var read = await fixture.Reader.ReadAsync(page.Png);
        Assert.Equal(page.Lines.Select(l => TextMetrics.WithoutSpaces(l.Text)), read.Select(l => TextMetrics.WithoutSpaces(l.Text)));
        Assert.All(read, l => Assert.False(l.UpsideDown));
    }

    /// <summary>The detections whose centre lies in the truth line's band, left to right, joined with spaces.</summary>
    private static string MatchedText(IReadOnlyList<TextLine> read, RenderedLine truth)
    {
        float slack = truth.Bounds.Height * 0.5f;
        return string.Join(' ', read
            .Where(l =>
            {
                float cy = (l.Box.TopLeft.Y + l.Box.BottomRight.Y) / 2;
                float cx = (l.Box.TopLeft.X + l.Box.BottomRight.X) / 2;
                return cy >= truth.Bounds.Top - slack && cy <= truth.Bounds.Bottom + slack && cx >= truth.Bounds.Left - 20 && cx <= truth.Bounds.Right + 20;
            })
            .OrderBy(l => l.Box.TopLeft.X)
            .Select(l => l.Text));
    }
}
