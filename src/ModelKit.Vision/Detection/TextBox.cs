using System.Numerics;

namespace ModelKit.Vision.Detection;

/// <summary>
/// A detected text region: a rotated rectangle as four corners in image pixels, in reading direction (top-left, top-right,
/// bottom-right, bottom-left), and the detector's mean probability inside it.
/// </summary>
public sealed record TextBox(Vector2 TopLeft, Vector2 TopRight, Vector2 BottomRight, Vector2 BottomLeft, float Score)
{
    /// <summary>The corners in order.</summary>
    public Vector2[] Corners => [TopLeft, TopRight, BottomRight, BottomLeft];

    /// <summary>The longer of the top and bottom edges.</summary>
    public float Width => MathF.Max(Vector2.Distance(TopLeft, TopRight), Vector2.Distance(BottomLeft, BottomRight));

    /// <summary>The longer of the left and right edges.</summary>
    public float Height => MathF.Max(Vector2.Distance(TopLeft, BottomLeft), Vector2.Distance(TopRight, BottomRight));
}
