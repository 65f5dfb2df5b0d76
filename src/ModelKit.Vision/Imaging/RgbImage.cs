namespace ModelKit.Vision.Imaging;

/// <summary>An 8-bit RGB image, row-major and interleaved (R, G, B per pixel), with no padding between rows.</summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied): <paramref name="width"/> × <paramref name="height"/> × 3 bytes, R, G, B per pixel, row by row.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"An RGB image of {width}×{height} needs {width * height * 3} bytes; got {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>A white image.</summary>
    public RgbImage(int width, int height) : this(width, height, Filled(width, height))
    {
    }

    /// <summary>The width in pixels.</summary>
    public int Width { get; }

    /// <summary>The height in pixels.</summary>
    public int Height { get; }

    /// <summary>R, G, B bytes per pixel, row after row.</summary>
    public byte[] Pixels { get; }

    private static byte[] Filled(int width, int height)
    {
        var pixels = new byte[checked(width * height * 3)];
        Array.Fill(pixels, (byte)255);
        return pixels;
    }
}
