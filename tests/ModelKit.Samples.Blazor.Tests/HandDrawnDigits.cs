using ModelKit.Samples.BlazorApp.Digits;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>Digits as a person draws them on the 280×280 pad: smooth pen paths, not rendered from MNIST.</summary>
public static class HandDrawnDigits
{
    /// <summary>A zero: one closed ellipse.</summary>
    public static IReadOnlyList<Stroke> Zero { get; } = [Ellipse(140, 140, 58, 95, 0, 360)];

    /// <summary>A one: a single, slightly slanted down-stroke.</summary>
    public static IReadOnlyList<Stroke> One { get; } = [new Stroke([150, 45, 146, 110, 142, 175, 138, 240])];

    /// <summary>A seven: the top bar, then the diagonal, in one stroke.</summary>
    public static IReadOnlyList<Stroke> Seven { get; } = [new Stroke([72, 62, 140, 60, 208, 58, 185, 110, 160, 165, 140, 235])];

    /// <summary>A three: two bowls, drawn as one stroke.</summary>
    public static IReadOnlyList<Stroke> Three { get; } =
    [
        new Stroke([.. Arc(140, 95, 55, 45, -160, 90).Points, .. Arc(140, 185, 60, 50, -90, 160).Points]),
    ];

    private static Stroke Ellipse(float cx, float cy, float rx, float ry, float from, float to) => Arc(cx, cy, rx, ry, from, to);

    // Angles in degrees, 0 = right, growing clockwise (screen y points down).
    private static Stroke Arc(float cx, float cy, float rx, float ry, float from, float to)
    {
        var points = new List<float>();
        int steps = (int)Math.Max(8, Math.Abs(to - from) / 10);
        for (int i = 0; i <= steps; i++)
        {
            double angle = (from + (to - from) * i / steps) * Math.PI / 180;
            points.Add((float)Math.Round(cx + rx * Math.Cos(angle), 1));
            points.Add((float)Math.Round(cy + ry * Math.Sin(angle), 1));
        }

        return new Stroke([.. points]);
    }
}
