namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>One pen stroke on the drawing pad: its points in canvas pixels, in drawing order.</summary>
/// <param name="Points">x0, y0, x1, y1, … (at least one point).</param>
public sealed record Stroke(float[] Points)
{
    /// <summary>Points in the stroke.</summary>
    public int PointCount => Points.Length / 2;
}

/// <summary>The drawing pad's canvas and pen, in canvas pixels.</summary>
public sealed record PadGeometry(int Width, int Height, float PenWidth)
{
    /// <summary>The pad the sample's page draws on.</summary>
    public static PadGeometry Default { get; } = new(280, 280, 18f);
}

/// <summary>The canvas held no ink (nothing drawn, or every stroke outside the pad).</summary>
public sealed class EmptyDrawingException() : Exception("The canvas is empty: draw a digit first.");

/// <summary>
/// Turns pen strokes into an MNIST digit the way the MNIST set was made: rasterise the strokes with an anti-aliased round pen,
/// crop to the ink's bounding box, scale the box (area averaging, aspect preserved) so its longer side is 20 pixels, and place
/// it in a 28×28 field with the ink's centre of mass at the centre. Pixels come out in 0..1, white ink on black.
/// </summary>
public static class DigitPreprocessor
{
    /// <summary>MNIST's side.</summary>
    public const int Size = 28;

    /// <summary>The side of the box the ink is scaled into.</summary>
    public const int InkBox = 20;

    /// <summary>Ink below this coverage does not count for the bounding box (anti-aliasing fringes).</summary>
    private const float InkThreshold = 0.05f;

    /// <summary>The 784 pixels (row-major 28×28, 0..1) of the digit the strokes draw.</summary>
    /// <exception cref="EmptyDrawingException">No stroke left ink on the pad.</exception>
    public static float[] Preprocess(IReadOnlyList<Stroke> strokes, PadGeometry pad)
    {
        ArgumentNullException.ThrowIfNull(strokes);
        ArgumentNullException.ThrowIfNull(pad);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pad.Width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pad.Height);
        if (!(pad.PenWidth > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(pad), pad.PenWidth, "The pen width must be positive.");
        }

        float[] canvas = Rasterize(strokes, pad);
        return Normalize(canvas, pad.Width, pad.Height);
    }

    /// <summary>Draws the strokes with a round, anti-aliased pen into a Width×Height coverage grid (0..1).</summary>
    public static float[] Rasterize(IReadOnlyList<Stroke> strokes, PadGeometry pad)
    {
        var grid = new float[pad.Width * pad.Height];
        float radius = pad.PenWidth / 2;
        foreach (var stroke in strokes)
        {
            var p = stroke.Points;
            if (p.Length < 2)
            {
                continue;
            }

            if (p.Length < 4)
            {
                Segment(grid, pad, p[0], p[1], p[0], p[1], radius);
                continue;
            }

            for (int i = 2; i + 1 < p.Length; i += 2)
            {
                Segment(grid, pad, p[i - 2], p[i - 1], p[i], p[i + 1], radius);
            }
        }

        return grid;
    }

    /// <summary>MNIST's normalisation of a coverage grid: crop, scale to 20 (aspect kept), centre of mass to the centre of 28×28.</summary>
    /// <exception cref="EmptyDrawingException">The grid holds no ink.</exception>
    public static float[] Normalize(ReadOnlySpan<float> grid, int width, int height)
    {
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (int y = 0; y < height; y++)
        {
            var row = grid.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                if (row[x] > InkThreshold)
                {
                    minX = Math.Min(minX, x);
                    maxX = Math.Max(maxX, x);
                    minY = Math.Min(minY, y);
                    maxY = Math.Max(maxY, y);
                }
            }
        }

        if (maxX < 0)
        {
            throw new EmptyDrawingException();
        }

        int boxWidth = maxX - minX + 1, boxHeight = maxY - minY + 1;
        double scale = (double)InkBox / Math.Max(boxWidth, boxHeight);
        int targetWidth = Math.Clamp((int)Math.Round(boxWidth * scale), 1, InkBox);
        int targetHeight = Math.Clamp((int)Math.Round(boxHeight * scale), 1, InkBox);

        // Separable area averaging: rows first, then columns.
        var cropped = new float[boxWidth * boxHeight];
        for (int y = 0; y < boxHeight; y++)
        {
            grid.Slice((minY + y) * width + minX, boxWidth).CopyTo(cropped.AsSpan(y * boxWidth, boxWidth));
        }

        var horizontal = new float[targetWidth * boxHeight];
        for (int y = 0; y < boxHeight; y++)
        {
            Resample(cropped.AsSpan(y * boxWidth, boxWidth), 1, horizontal.AsSpan(y * targetWidth), 1, targetWidth);
        }

        var small = new float[targetWidth * targetHeight];
        for (int x = 0; x < targetWidth; x++)
        {
            Resample(horizontal.AsSpan(x), targetWidth, small.AsSpan(x), targetWidth, targetHeight, boxHeight);
        }

        // Centre of mass of the scaled ink.
        double mass = 0, sumX = 0, sumY = 0;
        for (int y = 0; y < targetHeight; y++)
        {
            for (int x = 0; x < targetWidth; x++)
            {
                double v = small[y * targetWidth + x];
                mass += v;
                sumX += v * x;
                sumY += v * y;
            }
        }

        double centreX = mass > 0 ? sumX / mass : (targetWidth - 1) / 2.0;
        double centreY = mass > 0 ? sumY / mass : (targetHeight - 1) / 2.0;
        int offsetX = (int)Math.Round((Size - 1) / 2.0 - centreX);
        int offsetY = (int)Math.Round((Size - 1) / 2.0 - centreY);

        var result = new float[Size * Size];
        for (int y = 0; y < targetHeight; y++)
        {
            int ty = y + offsetY;
            if ((uint)ty >= Size)
            {
                continue;
            }

            for (int x = 0; x < targetWidth; x++)
            {
                int tx = x + offsetX;
                if ((uint)tx < Size)
                {
                    result[ty * Size + tx] = Math.Clamp(small[y * targetWidth + x], 0f, 1f);
                }
            }
        }

        return result;
    }

    /// <summary>Multiplies every pixel by <paramref name="factor"/> (the CNN wants 0..255, the MLP 0..1).</summary>
    public static float[] Scale(float[] pixels, float factor)
    {
        var scaled = new float[pixels.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(pixels, factor, scaled);
        return scaled;
    }

    /// <summary>Softmax of the logits (numerically stable).</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        // exp(x - max) / sum: large logits (the CNN's reach the hundreds) would overflow exp(x).
        var result = new float[logits.Length];
        if (logits.IsEmpty)
        {
            return result;
        }

        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        System.Numerics.Tensors.TensorPrimitives.Subtract(logits, max, result);
        System.Numerics.Tensors.TensorPrimitives.Exp(result, result);
        System.Numerics.Tensors.TensorPrimitives.Divide(result, System.Numerics.Tensors.TensorPrimitives.Sum(result), result);
        return result;
    }

    // Area-average resampling of a strided 1-D signal of source length `sourceLength` into `targetLength` samples.
    private static void Resample(ReadOnlySpan<float> source, int sourceStride, Span<float> target, int targetStride, int targetLength, int sourceLength = -1)
    {
        if (sourceLength < 0)
        {
            sourceLength = (source.Length + sourceStride - 1) / sourceStride;
        }

        double step = (double)sourceLength / targetLength;
        for (int t = 0; t < targetLength; t++)
        {
            double start = t * step, end = start + step;
            double sum = 0;
            for (int s = (int)Math.Floor(start); s < Math.Min(sourceLength, (int)Math.Ceiling(end)); s++)
            {
                double overlap = Math.Min(end, s + 1) - Math.Max(start, s);
                if (overlap > 0)
                {
                    sum += overlap * source[s * sourceStride];
                }
            }

            target[t * targetStride] = (float)(sum / step);
        }
    }

    private static void Segment(float[] grid, PadGeometry pad, float x0, float y0, float x1, float y1, float radius)
    {
        int left = Math.Max(0, (int)Math.Floor(Math.Min(x0, x1) - radius - 1));
        int right = Math.Min(pad.Width - 1, (int)Math.Ceiling(Math.Max(x0, x1) + radius + 1));
        int top = Math.Max(0, (int)Math.Floor(Math.Min(y0, y1) - radius - 1));
        int bottom = Math.Min(pad.Height - 1, (int)Math.Ceiling(Math.Max(y0, y1) + radius + 1));
        float dx = x1 - x0, dy = y1 - y0;
        float lengthSquared = dx * dx + dy * dy;
        for (int y = top; y <= bottom; y++)
        {
            float py = y + 0.5f;
            for (int x = left; x <= right; x++)
            {
                float px = x + 0.5f;
                float t = lengthSquared > 0 ? Math.Clamp(((px - x0) * dx + (py - y0) * dy) / lengthSquared, 0f, 1f) : 0f;
                float ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
                float coverage = Math.Clamp(radius + 0.5f - MathF.Sqrt(ex * ex + ey * ey), 0f, 1f);
                ref float cell = ref grid[y * pad.Width + x];
                if (coverage > cell)
                {
                    cell = coverage;
                }
            }
        }
    }
}
