using SkiaSharp;

namespace ModelKit.Samples.Media.Reading;

/// <summary>An image the sample drew: PNG bytes and the size in pixels.</summary>
public sealed record RenderedImage(byte[] Png, int Width, int Height);

/// <summary>The DejaVu fonts are not installed.</summary>
public sealed class FontNotFoundException(string message) : Exception(message);

/// <summary>
/// Draws text into a PNG with SkiaSharp in DejaVu Sans (Debian's <c>fonts-dejavu-core</c>): black on white, one line per line of
/// the text, left-aligned with a margin — printed text for the OCR pipeline to read.
/// </summary>
public static class TextImage
{
    /// <summary>Where Debian puts the DejaVu fonts.</summary>
    public const string FontFolder = "/usr/share/fonts/truetype/dejavu";

    /// <summary>The font drawn with.</summary>
    public const string FontFile = "DejaVuSans.ttf";

    /// <summary>Most characters drawn (longer text is refused: this is for a line or a paragraph typed on a page).</summary>
    public const int MaxCharacters = 2000;

    /// <summary>The sample text drawn when the user brings no image.</summary>
    public const string SampleText = "ModelKit reads printed text\nThe quick brown fox jumps over the lazy dog\nPaddleOCR runs as three ONNX models";

    /// <summary>The font file's path (<c>MODELKIT_FONT</c> overrides); throws <see cref="FontNotFoundException"/> saying how to install it.</summary>
    public static string FontPath
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("MODELKIT_FONT") is { Length: > 0 } configured ? configured : Path.Combine(FontFolder, FontFile);
            return File.Exists(path)
                ? path
                : throw new FontNotFoundException($"Font '{path}' not found: install it with `apt-get install fonts-dejavu-core` (or set MODELKIT_FONT to a .ttf file).");
        }
    }

    /// <summary>Draws <paramref name="text"/> (lines split at line breaks; empty lines keep their space) at <paramref name="fontSize"/> pixels.</summary>
    /// <exception cref="ArgumentException">No visible text, or more than <see cref="MaxCharacters"/>.</exception>
    public static RenderedImage Render(string text, int fontSize = 32)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(fontSize, 8);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fontSize, 200);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("There is no text to draw.", nameof(text));
        }

        if (text.Length > MaxCharacters)
        {
            throw new ArgumentException($"The text has {text.Length} characters; at most {MaxCharacters} are drawn.", nameof(text));
        }

        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(static l => l.TrimEnd()).ToArray();
        using var typeface = SKTypeface.FromFile(FontPath) ?? throw new FontNotFoundException($"'{FontPath}' is not a font SkiaSharp can read.");
        using var font = new SKFont(typeface, fontSize);
        int margin = fontSize;
        float lineHeight = fontSize * 1.8f;
        int width = (int)Math.Ceiling(lines.Max(l => font.MeasureText(l)) + (2 * margin));
        int height = (int)Math.Ceiling((lines.Length * lineHeight) + margin);

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.White);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            for (int i = 0; i < lines.Length; i++)
            {
                float top = (margin / 2f) + (i * lineHeight) + ((lineHeight - fontSize) / 2f);
                canvas.DrawText(lines[i], margin, top - font.Metrics.Ascent, SKTextAlign.Left, font, paint);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return new RenderedImage(png.ToArray(), width, height);
    }

    /// <summary>The size of an encoded image, read from its header (no pixels decoded); null when SkiaSharp cannot read it.</summary>
    public static (int Width, int Height)? Measure(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        return codec is null ? null : (codec.Info.Width, codec.Info.Height);
    }
}
