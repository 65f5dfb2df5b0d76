using System.Numerics;

namespace ModelKit.Vision.Detection;

/// <summary>Settings of DB (differentiable binarization) post-processing; defaults are PaddleOCR's for PP-OCRv4.</summary>
public sealed class DbPostProcessOptions
{
    /// <summary>A pixel is text when its probability exceeds this (PaddleOCR <c>det_db_thresh</c>).</summary>
    public float Threshold { get; set; } = 0.3f;

    /// <summary>A region is kept when its mean probability reaches this (<c>det_db_box_thresh</c>).</summary>
    public float BoxThreshold { get; set; } = 0.6f;

    /// <summary>How far a region is expanded: by area × ratio / perimeter on every side (<c>det_db_unclip_ratio</c>).</summary>
    public float UnclipRatio { get; set; } = 1.5f;

    /// <summary>Regions whose shorter side is under this many map pixels are dropped (before expansion; +2 after).</summary>
    public float MinSize { get; set; } = 3f;

    /// <summary>At most this many regions per image (the largest first).</summary>
    public int MaxCandidates { get; set; } = 1000;
}

/// <summary>
/// Turns the detector's text-probability map into text boxes: threshold, 8-connected regions, minimum-area rotated rectangle,
/// mean-probability score, expansion (unclip), minimum size, scaling back to the source image. Thread-safe.
/// </summary>
public sealed class DbPostProcessor(DbPostProcessOptions? options = null)
{
    private readonly DbPostProcessOptions _options = options ?? new DbPostProcessOptions();

    /// <summary>
    /// Finds the boxes in <paramref name="probabilities"/> (<paramref name="mapWidth"/> × <paramref name="mapHeight"/>, row-major), scaled to
    /// an image of <paramref name="imageWidth"/> × <paramref name="imageHeight"/>.
    /// </summary>
    public IReadOnlyList<TextBox> Process(ReadOnlySpan<float> probabilities, int mapWidth, int mapHeight, int imageWidth, int imageHeight)
    {
        if (probabilities.Length != mapWidth * mapHeight)
        {
            throw new ArgumentException($"A {mapWidth}×{mapHeight} map needs {mapWidth * mapHeight} values; got {probabilities.Length}.", nameof(probabilities));
        }

        var labels = new int[probabilities.Length];
        var regions = new List<List<Vector2>>();
        var stack = new Stack<int>();
        float threshold = _options.Threshold;
        for (int start = 0; start < probabilities.Length; start++)
        {
            if (labels[start] != 0 || probabilities[start] <= threshold)
            {
                continue;
            }

            int label = regions.Count + 1;
            // Row extremes of the region: enough for its convex hull.
            var rowMin = new Dictionary<int, int>();
            var rowMax = new Dictionary<int, int>();
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int index = stack.Pop();
                int x = index % mapWidth, y = index / mapWidth;
                rowMin[y] = rowMin.TryGetValue(y, out int lo) ? Math.Min(lo, x) : x;
                rowMax[y] = rowMax.TryGetValue(y, out int hi) ? Math.Max(hi, x) : x;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int ny = y + dy;
                    if ((uint)ny >= (uint)mapHeight)
                    {
                        continue;
                    }

                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx;
                        if ((uint)nx >= (uint)mapWidth)
                        {
                            continue;
                        }

                        int n = ny * mapWidth + nx;
                        if (labels[n] == 0 && probabilities[n] > threshold)
                        {
                            labels[n] = label;
                            stack.Push(n);
                        }
                    }
                }
            }

            var points = new List<Vector2>(rowMin.Count * 2);
            foreach (var (y, x) in rowMin)
            {
                points.Add(new Vector2(x, y));
                points.Add(new Vector2(rowMax[y], y));
            }

            regions.Add(points);
        }

        var boxes = new List<TextBox>();
        float scaleX = imageWidth / (float)mapWidth, scaleY = imageHeight / (float)mapHeight;
        foreach (var points in regions.OrderByDescending(r => r.Count).Take(_options.MaxCandidates))
        {
            if (points.Count < 4)
            {
                continue; // a one- or two-row sliver (OpenCV needs a contour of at least 4 points too)
            }

            var rect = MinAreaRect(ConvexHull(points));
            if (MathF.Min(rect.Width, rect.Height) < _options.MinSize)
            {
                continue;
            }

            float score = MeanInside(probabilities, mapWidth, mapHeight, rect);
            if (score < _options.BoxThreshold)
            {
                continue;
            }

            // Unclip: a rectangle offset outward by d (PaddleOCR's pyclipper offset, whose rounded corners have this minimum-area rectangle).
            float d = rect.Width * rect.Height * _options.UnclipRatio / (2 * (rect.Width + rect.Height));
            var expanded = rect with { Width = rect.Width + 2 * d, Height = rect.Height + 2 * d };
            if (MathF.Min(expanded.Width, expanded.Height) < _options.MinSize + 2)
            {
                continue;
            }

            var corners = OrderCorners(expanded.Corners());
            for (int i = 0; i < 4; i++)
            {
                corners[i] = new Vector2(
                    Math.Clamp(MathF.Round(corners[i].X * scaleX), 0, imageWidth),
                    Math.Clamp(MathF.Round(corners[i].Y * scaleY), 0, imageHeight));
            }

            boxes.Add(new TextBox(corners[0], corners[1], corners[2], corners[3], score));
        }

        return boxes;
    }

    /// <summary>
    /// Reading order: top to bottom, and left to right among boxes whose tops are within <paramref name="lineTolerance"/> pixels
    /// of each other (PaddleOCR's <c>sorted_boxes</c>).
    /// </summary>
    public static List<TextBox> SortReadingOrder(IEnumerable<TextBox> boxes, float lineTolerance = 10f)
    {
        var sorted = boxes.OrderBy(b => b.TopLeft.Y).ThenBy(b => b.TopLeft.X).ToList();
        for (int i = 0; i < sorted.Count - 1; i++)
        {
            for (int j = i; j >= 0; j--)
            {
                if (MathF.Abs(sorted[j + 1].TopLeft.Y - sorted[j].TopLeft.Y) < lineTolerance && sorted[j + 1].TopLeft.X < sorted[j].TopLeft.X)
                {
                    (sorted[j], sorted[j + 1]) = (sorted[j + 1], sorted[j]);
                }
                else
                {
                    break;
                }
            }
        }

        return sorted;
    }

    /// <summary>A rotated rectangle: centre, side lengths along <see cref="Axis"/> and its normal.</summary>
    internal readonly record struct RotatedRect(Vector2 Center, float Width, float Height, Vector2 Axis)
    {
        public Vector2[] Corners()
        {
            var u = Axis * (Width / 2);
            var v = new Vector2(-Axis.Y, Axis.X) * (Height / 2);
            return [Center - u - v, Center + u - v, Center + u + v, Center - u + v];
        }
    }

    /// <summary>Orders four corners as top-left, top-right, bottom-right, bottom-left (PaddleOCR's <c>get_mini_boxes</c>).</summary>
    internal static Vector2[] OrderCorners(Vector2[] corners)
    {
        var byX = corners.OrderBy(p => p.X).ToArray();
        var (topLeft, bottomLeft) = byX[0].Y <= byX[1].Y ? (byX[0], byX[1]) : (byX[1], byX[0]);
        var (topRight, bottomRight) = byX[2].Y <= byX[3].Y ? (byX[2], byX[3]) : (byX[3], byX[2]);
        return [topLeft, topRight, bottomRight, bottomLeft];
    }

    internal static List<Vector2> ConvexHull(List<Vector2> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        if (sorted.Count < 3)
        {
            return sorted;
        }

        var hull = new List<Vector2>(sorted.Count * 2);
        foreach (var pass in new[] { sorted, Enumerable.Reverse(sorted).ToList() })
        {
            int floor = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= floor + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(p);
            }

            hull.RemoveAt(hull.Count - 1);
        }

        return hull;
    }

    /// <summary>The minimum-area enclosing rectangle of a convex polygon (rotating calipers over its edges).</summary>
    internal static RotatedRect MinAreaRect(List<Vector2> hull)
    {
        if (hull.Count == 1)
        {
            return new RotatedRect(hull[0], 0, 0, Vector2.UnitX);
        }

        var best = default(RotatedRect);
        float bestArea = float.MaxValue;
        for (int i = 0; i < hull.Count; i++)
        {
            var edge = hull[(i + 1) % hull.Count] - hull[i];
            if (edge.LengthSquared() < 1e-12f)
            {
                continue;
            }

            var axis = Vector2.Normalize(edge);
            var normal = new Vector2(-axis.Y, axis.X);
            float minU = float.MaxValue, maxU = float.MinValue, minV = float.MaxValue, maxV = float.MinValue;
            foreach (var p in hull)
            {
                float u = Vector2.Dot(p, axis), v = Vector2.Dot(p, normal);
                minU = MathF.Min(minU, u);
                maxU = MathF.Max(maxU, u);
                minV = MathF.Min(minV, v);
                maxV = MathF.Max(maxV, v);
            }

            float area = (maxU - minU) * (maxV - minV);
            if (area < bestArea)
            {
                bestArea = area;
                var center = axis * ((minU + maxU) / 2) + normal * ((minV + maxV) / 2);
                best = new RotatedRect(center, maxU - minU, maxV - minV, axis);
            }
        }

        // Prefer the axis closest to horizontal so width runs along the text.
        if (MathF.Abs(best.Axis.X) < MathF.Abs(best.Axis.Y))
        {
            best = new RotatedRect(best.Center, best.Height, best.Width, new Vector2(-best.Axis.Y, best.Axis.X));
        }

        if (best.Axis.X < 0)
        {
            best = best with { Axis = -best.Axis };
        }

        return best;
    }

    private static float MeanInside(ReadOnlySpan<float> map, int width, int height, RotatedRect rect)
    {
        var corners = rect.Corners();
        int x0 = Math.Max(0, (int)MathF.Floor(corners.Min(c => c.X))), x1 = Math.Min(width - 1, (int)MathF.Ceiling(corners.Max(c => c.X)));
        int y0 = Math.Max(0, (int)MathF.Floor(corners.Min(c => c.Y))), y1 = Math.Min(height - 1, (int)MathF.Ceiling(corners.Max(c => c.Y)));
        var normal = new Vector2(-rect.Axis.Y, rect.Axis.X);
        float halfW = rect.Width / 2 + 0.5f, halfH = rect.Height / 2 + 0.5f;
        double sum = 0;
        int count = 0;
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                var d = new Vector2(x, y) - rect.Center;
                if (MathF.Abs(Vector2.Dot(d, rect.Axis)) <= halfW && MathF.Abs(Vector2.Dot(d, normal)) <= halfH)
                {
                    sum += map[y * width + x];
                    count++;
                }
            }
        }

        return count == 0 ? 0 : (float)(sum / count);
    }

    private static float Cross(Vector2 o, Vector2 a, Vector2 b) => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
}
