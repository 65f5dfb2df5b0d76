using System.Numerics;

namespace ModelKit.Vision.Imaging;

/// <summary>Geometry on <see cref="RgbImage"/>: bilinear resize, crops of rotated rectangles, 180° rotation.</summary>
public static class ImageOps
{
    /// <summary>Resizes with bilinear interpolation (pixel centres aligned, as OpenCV's INTER_LINEAR).</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width == image.Width && height == image.Height)
        {
            return image;
        }

        var output = new byte[checked(width * height * 3)];
        float sx = image.Width / (float)width, sy = image.Height / (float)height;
        for (int y = 0; y < height; y++)
        {
            float fy = (y + 0.5f) * sy - 0.5f;
            for (int x = 0; x < width; x++)
            {
                float fx = (x + 0.5f) * sx - 0.5f;
                Sample(image, fx, fy, output.AsSpan((y * width + x) * 3, 3));
            }
        }

        return new RgbImage(width, height, output);
    }

    /// <summary>
    /// Cuts out the quadrilateral <paramref name="corners"/> (top-left, top-right, bottom-right, bottom-left in reading direction)
    /// as an upright <paramref name="width"/> × <paramref name="height"/> image, straightening a rotated box (affine, bilinear).
    /// </summary>
    public static RgbImage CropQuad(RgbImage image, ReadOnlySpan<Vector2> corners, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (corners.Length != 4)
        {
            throw new ArgumentException("A crop needs 4 corners.", nameof(corners));
        }

        var output = new byte[checked(width * height * 3)];
        Vector2 origin = corners[0];
        Vector2 right = (corners[1] - corners[0] + (corners[2] - corners[3])) / 2; // mean top and bottom edges
        Vector2 down = (corners[3] - corners[0] + (corners[2] - corners[1])) / 2;
        for (int y = 0; y < height; y++)
        {
            float v = (y + 0.5f) / height;
            for (int x = 0; x < width; x++)
            {
                float u = (x + 0.5f) / width;
                Vector2 p = origin + u * right + v * down;
                Sample(image, p.X - 0.5f, p.Y - 0.5f, output.AsSpan((y * width + x) * 3, 3));
            }
        }

        return new RgbImage(width, height, output);
    }

    /// <summary>An axis-aligned part of the image.</summary>
    public static RgbImage Crop(RgbImage image, int x, int y, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.Width || y + height > image.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"The rectangle ({x}, {y}, {width}×{height}) is not inside the {image.Width}×{image.Height} image.");
        }

        var output = new byte[width * height * 3];
        for (int row = 0; row < height; row++)
        {
            image.Pixels.AsSpan(((y + row) * image.Width + x) * 3, width * 3).CopyTo(output.AsSpan(row * width * 3));
        }

        return new RgbImage(width, height, output);
    }

    /// <summary>The image turned upside down.</summary>
    public static RgbImage Rotate180(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var source = image.Pixels;
        var output = new byte[source.Length];
        int pixels = image.Width * image.Height;
        for (int i = 0; i < pixels; i++)
        {
            int j = (pixels - 1 - i) * 3;
            output[j] = source[i * 3];
            output[j + 1] = source[i * 3 + 1];
            output[j + 2] = source[i * 3 + 2];
        }

        return new RgbImage(image.Width, image.Height, output);
    }

    /// <summary>The image turned 90° counter-clockwise (a vertical text line laid flat).</summary>
    public static RgbImage Rotate90CounterClockwise(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        var output = new byte[image.Pixels.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int nx = y, ny = w - 1 - x; // new image is h wide, w high
                image.Pixels.AsSpan((y * w + x) * 3, 3).CopyTo(output.AsSpan((ny * h + nx) * 3, 3));
            }
        }

        return new RgbImage(h, w, output);
    }

    /// <summary>
    /// Writes the image into <paramref name="destination"/> as planar BGR floats ([3, height, width] at <paramref name="stride"/> per
    /// row, the layout PaddleOCR's models were trained on), each channel as <c>(value / 255 − mean) / std</c>.
    /// </summary>
    public static void ToNormalizedBgrPlanes(RgbImage image, Span<float> destination, int stride, int planeSize, ReadOnlySpan<float> meanBgr, ReadOnlySpan<float> stdBgr)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<float> scale = [1f / (255f * stdBgr[0]), 1f / (255f * stdBgr[1]), 1f / (255f * stdBgr[2])];
        Span<float> offset = [meanBgr[0] / stdBgr[0], meanBgr[1] / stdBgr[1], meanBgr[2] / stdBgr[2]];
        var pixels = image.Pixels;
        for (int y = 0; y < image.Height; y++)
        {
            int row = y * stride;
            int src = y * image.Width * 3;
            for (int x = 0; x < image.Width; x++, src += 3)
            {
                destination[row + x] = pixels[src + 2] * scale[0] - offset[0];                 // B
                destination[planeSize + row + x] = pixels[src + 1] * scale[1] - offset[1];     // G
                destination[2 * planeSize + row + x] = pixels[src] * scale[2] - offset[2];     // R
            }
        }
    }

    private static void Sample(RgbImage image, float fx, float fy, Span<byte> rgb)
    {
        int w = image.Width, h = image.Height;
        fx = Math.Clamp(fx, 0, w - 1);
        fy = Math.Clamp(fy, 0, h - 1);
        int x0 = (int)fx, y0 = (int)fy;
        int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        float ax = fx - x0, ay = fy - y0;
        var p = image.Pixels;
        int i00 = (y0 * w + x0) * 3, i01 = (y0 * w + x1) * 3, i10 = (y1 * w + x0) * 3, i11 = (y1 * w + x1) * 3;
        for (int c = 0; c < 3; c++)
        {
            float top = p[i00 + c] + (p[i01 + c] - p[i00 + c]) * ax;
            float bottom = p[i10 + c] + (p[i11 + c] - p[i10 + c]) * ax;
            rgb[c] = (byte)Math.Clamp((int)(top + (bottom - top) * ay + 0.5f), 0, 255);
        }
    }

    /// <summary>Encodes an image as PNG (lossless: decoding it gives the same pixels), e.g. to send it to an OCR pipeline model.</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgba = new byte[checked(image.Width * image.Height * 4)];
        var rgb = image.Pixels;
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgba[i] = rgb[j];
            rgba[i + 1] = rgb[j + 1];
            rgba[i + 2] = rgb[j + 2];
            rgba[i + 3] = 255;
        }

        var info = new SkiaSharp.SKImageInfo(image.Width, image.Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(rgba, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            using var pixmap = new SkiaSharp.SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            using var data = pixmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the image as PNG.");
            return data.ToArray();
        }
        finally
        {
            handle.Free();
        }
    }
}
