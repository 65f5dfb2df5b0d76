using ModelKit.Testing;
using SkiaSharp;

namespace ModelKit.Vision.Tests;

/// <summary>One rendered line: its text and where it was drawn (pixels).</summary>
public sealed record RenderedLine(string Text, string Font, int Size, SKRect Bounds);

/// <summary>A rendered page: PNG bytes and the lines on it in reading order.</summary>
public sealed record RenderedPage(byte[] Png, int Width, int Height, IReadOnlyList<RenderedLine> Lines);

/// <summary>
/// Renders printed English with SkiaSharp (the library the decoder uses) in the DejaVu fonts of Debian's <c>fonts-dejavu-core</c>
/// (.ci/run installs it; missing fonts skip the test, or fail it under CI).
/// </summary>
internal static class TextRendering
{
    public const string FontFolder = "/usr/share/fonts/truetype/dejavu";
    public static readonly string[] Fonts = ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf"];

    /// <summary>A fixed list of common English words (no proper nouns, lower case; some capitalized at line starts).</summary>
    public static readonly string[] Words =
    [
        "about", "above", "across", "after", "again", "against", "almost", "alone", "along", "already", "always", "among", "animal",
        "answer", "around", "autumn", "basket", "because", "before", "behind", "below", "better", "between", "bicycle", "bottle",
        "bright", "broken", "butter", "candle", "carpet", "center", "change", "circle", "clever", "close", "cloud", "coffee",
        "common", "corner", "cotton", "country", "dinner", "doctor", "double", "during", "early", "earth", "eleven", "engine",
        "enough", "evening", "every", "family", "farmer", "father", "field", "finger", "flower", "follow", "forest", "friend",
        "garden", "gentle", "golden", "ground", "happy", "harbor", "heavy", "hidden", "history", "hollow", "honest", "house",
        "hundred", "island", "jacket", "journey", "kitchen", "ladder", "language", "letter", "light", "little", "market",
        "matter", "meadow", "middle", "minute", "moment", "morning", "mother", "mountain", "music", "narrow", "nature", "never",
        "number", "ocean", "office", "orange", "other", "paper", "pencil", "people", "pepper", "picture", "planet", "pocket",
        "power", "question", "quiet", "rabbit", "reason", "river", "rocket", "window", "winter", "wonder", "yellow", "simple",
        "silver", "sister", "small", "spring", "square", "station", "stone", "story", "street", "strong", "summer", "table",
        "thunder", "ticket", "together", "travel", "under", "valley", "village", "water", "weather", "wooden", "world", "young",
        "seven", "twelve", "forty", "number", "zebra", "jumping", "quickly", "fox", "lazy", "dog", "vivid", "puzzle", "oxygen",
    ];

    public static string FontPath(string font)
    {
        string path = Path.Combine(FontFolder, font);
        if (!File.Exists(path))
        {
            string message = $"Font '{path}' not found (apt-get install fonts-dejavu-core).";
            if (SharedData.IsCI)
            {
                throw new InvalidOperationException(message + " Under CI=true it must be present.");
            }

            throw new SkipException(message + " Skipping.");
        }

        return path;
    }

    /// <summary>
    /// Pages of lines of random words (seeded) in random DejaVu fonts and sizes from 16 to 48 px, on white or light-noise
    /// backgrounds, until <paramref name="lineCount"/> lines are drawn. Pages are at most 960 pixels on a side (the detector's
    /// input without scaling).
    /// </summary>
    public static List<RenderedPage> Pages(int lineCount, int seed, int width = 960, int height = 960)
    {
        var random = new Random(seed);
        var pages = new List<RenderedPage>();
        int drawn = 0;
        int pageIndex = 0;
        while (drawn < lineCount)
        {
            bool noise = pageIndex++ % 2 == 1;
            var lines = new List<(string Text, string Font, int Size)>();
            float y = 20;
            while (drawn + lines.Count < lineCount)
            {
                int size = random.Next(16, 49);
                if (y + size * 1.7f > height - 10)
                {
                    break;
                }

                string font = Fonts[random.Next(Fonts.Length)];
                using var skFont = new SKFont(SKTypeface.FromFile(FontPath(font)), size);
                var words = new List<string>();
                int target = random.Next(2, 7);
                while (words.Count < target)
                {
                    string word = Words[random.Next(Words.Length)];
                    if (words.Count == 0 && random.Next(3) == 0)
                    {
                        word = char.ToUpperInvariant(word[0]) + word[1..];
                    }

                    if (skFont.MeasureText(string.Join(' ', [.. words, word])) > width - 60)
                    {
                        break;
                    }

                    words.Add(word);
                }

                if (words.Count == 0)
                {
                    continue;
                }

                lines.Add((string.Join(' ', words), font, size));
                y += size * 1.7f;
            }

            pages.Add(Render(lines, width, height, noise, random.Next()));
            drawn += lines.Count;
        }

        return pages;
    }

    /// <summary>Draws the given lines top to bottom, left-aligned at x = 30.</summary>
    public static RenderedPage Render(IReadOnlyList<(string Text, string Font, int Size)> lines, int width, int height, bool noise, int seed = 1)
    {
        var placed = new List<(string, string, int, float X, float Y)>();
        float y = 20;
        foreach (var (text, font, size) in lines)
        {
            placed.Add((text, font, size, 30, y));
            y += size * 1.7f;
        }

        return RenderAt(placed, width, height, noise, seed);
    }

    /// <summary>Draws each line with its top-left corner at (X, Y).</summary>
    public static RenderedPage RenderAt(IReadOnlyList<(string Text, string Font, int Size, float X, float Y)> lines, int width, int height, bool noise, int seed = 1)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (noise)
        {
            var random = new Random(seed);
            var pixels = new byte[width * height * 4];
            for (int i = 0; i < pixels.Length; i += 4)
            {
                // Light noise: a near-white grey with Gaussian-like jitter (mean 235, about ±12).
                int v = 235 + random.Next(-12, 13) + random.Next(-8, 9);
                byte b = (byte)Math.Clamp(v, 0, 255);
                pixels[i] = b;
                pixels[i + 1] = b;
                pixels[i + 2] = b;
                pixels[i + 3] = 255;
            }

            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        }
        else
        {
            bitmap.Erase(SKColors.White);
        }

        var rendered = new List<RenderedLine>();
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            foreach (var (text, font, size, x, top) in lines)
            {
                using var skFont = new SKFont(SKTypeface.FromFile(FontPath(font)), size);
                skFont.MeasureText(text, out var bounds);
                float baseline = top - skFont.Metrics.Ascent;
                canvas.DrawText(text, x, baseline, SKTextAlign.Left, skFont, paint);
                rendered.Add(new RenderedLine(text, font, size, new SKRect(x + bounds.Left, baseline + bounds.Top, x + bounds.Right, baseline + bounds.Bottom)));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return new RenderedPage(png.ToArray(), width, height, rendered);
    }

    /// <summary>The page turned 180° (PNG), with its lines' bounds turned too, still listed in the original reading order.</summary>
    public static RenderedPage Turned(RenderedPage page)
    {
        using var source = SKBitmap.Decode(page.Png);
        using var turned = new SKBitmap(source.Info);
        using (var canvas = new SKCanvas(turned))
        {
            canvas.RotateDegrees(180, page.Width / 2f, page.Height / 2f);
            using var sourceImage = SKImage.FromBitmap(source);
            canvas.DrawImage(sourceImage, 0, 0, SKSamplingOptions.Default);
        }

        using var image = SKImage.FromBitmap(turned);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        var lines = page.Lines.Select(l => l with
        {
            Bounds = new SKRect(page.Width - l.Bounds.Right, page.Height - l.Bounds.Bottom, page.Width - l.Bounds.Left, page.Height - l.Bounds.Top),
        }).ToList();
        return new RenderedPage(png.ToArray(), page.Width, page.Height, lines);
    }
}
