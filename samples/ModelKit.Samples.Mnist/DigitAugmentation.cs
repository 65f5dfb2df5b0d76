namespace ModelKit.Samples.Mnist;

/// <summary>
/// Random affine distortions of training digits (rotation, scale, shift around the image centre, bilinear sampling): each
/// epoch sees every digit slightly differently, which is what lets a small MLP generalise from a few thousand digits.
/// </summary>
public sealed class DigitAugmentation
{
    private const int Side = 28;

    /// <summary>Largest rotation either way, in degrees.</summary>
    public float MaxRotationDegrees { get; init; } = 10f;

    /// <summary>Largest relative change of size either way (0.1 = 90%..110%).</summary>
    public float MaxScale { get; init; } = 0.1f;

    /// <summary>Largest shift either way, in pixels.</summary>
    public float MaxShift { get; init; } = 2f;

    /// <summary>No distortion at all (training on the digits as they are).</summary>
    public static DigitAugmentation None { get; } = new() { MaxRotationDegrees = 0, MaxScale = 0, MaxShift = 0 };

    /// <summary>Whether this augmentation leaves digits unchanged.</summary>
    public bool IsNone => MaxRotationDegrees == 0 && MaxScale == 0 && MaxShift == 0;

    /// <summary>Writes a randomly distorted copy of <paramref name="pixels"/> (28×28) into <paramref name="destination"/>.</summary>
    public void Apply(ReadOnlySpan<float> pixels, Span<float> destination, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (pixels.Length != Side * Side || destination.Length != Side * Side)
        {
            throw new ArgumentException($"Digits have {Side * Side} pixels.");
        }

        float angle = Uniform(random, MaxRotationDegrees) * MathF.PI / 180f;
        float scale = 1f + Uniform(random, MaxScale);
        float shiftX = Uniform(random, MaxShift);
        float shiftY = Uniform(random, MaxShift);

        // Inverse mapping: for each destination pixel, the source point it comes from.
        float cos = MathF.Cos(angle) / scale, sin = MathF.Sin(angle) / scale;
        const float centre = (Side - 1) / 2f;
        for (int y = 0; y < Side; y++)
        {
            float dy = y - centre - shiftY;
            for (int x = 0; x < Side; x++)
            {
                float dx = x - centre - shiftX;
                float sx = (cos * dx) + (sin * dy) + centre;
                float sy = (-sin * dx) + (cos * dy) + centre;
                destination[(y * Side) + x] = Sample(pixels, sx, sy);
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (!(MaxRotationDegrees is >= 0 and <= 180) || !(MaxScale is >= 0 and < 1) || !(MaxShift is >= 0 and <= Side))
        {
            throw new ArgumentOutOfRangeException(nameof(DigitAugmentation), "Augmentation: rotation must lie in [0, 180] degrees, scale in [0, 1), shift in [0, 28] pixels.");
        }
    }

    private static float Uniform(Random random, float limit) => limit == 0 ? 0 : ((random.NextSingle() * 2f) - 1f) * limit;

    private static float Sample(ReadOnlySpan<float> pixels, float x, float y)
    {
        if (x <= -1 || y <= -1 || x >= Side || y >= Side)
        {
            return 0f;
        }

        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        float fx = x - x0, fy = y - y0;
        float top = Lerp(At(pixels, x0, y0), At(pixels, x0 + 1, y0), fx);
        float bottom = Lerp(At(pixels, x0, y0 + 1), At(pixels, x0 + 1, y0 + 1), fx);
        return Lerp(top, bottom, fy);
    }

    private static float Lerp(float a, float b, float t) => a + ((b - a) * t);

    private static float At(ReadOnlySpan<float> pixels, int x, int y) =>
        (uint)x < Side && (uint)y < Side ? pixels[(y * Side) + x] : 0f;
}
