using System.Numerics;
using ModelKit.Vision.Detection;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Tests;

/// <summary>DB post-processing and CTC decoding on hand-made maps and probabilities.</summary>
public sealed class PostProcessingTests
{
    private static float[] Map(int width, int height, params (int X, int Y, int W, int H, float P)[] rects)
    {
        var map = new float[width * height];
        foreach (var (x, y, w, h, p) in rects)
        {
            for (int j = y; j < y + h; j++)
            {
                for (int i = x; i < x + w; i++)
                {
                    map[j * width + i] = p;
                }
            }
        }

        return map;
    }

    [Fact]
    public void Regions_become_expanded_boxes_scaled_to_the_image()
    {
        var map = Map(200, 100, (10, 10, 101, 11, 0.9f), (20, 60, 51, 21, 0.8f));
        var boxes = DbPostProcessor.SortReadingOrder(new DbPostProcessor().Process(map, 200, 100, 400, 200));
        Assert.Equal(2, boxes.Count);
        // 100 × 10 region (pixel centres): unclip distance = 1000 × 1.5 / 220 ≈ 6.8 map pixels on each side; image is 2× the map.
        float d = 100f * 10 * 1.5f / 220;
        Assert.Equal((10 - d) * 2, boxes[0].TopLeft.X, 0);
        Assert.Equal((10 - d) * 2, boxes[0].TopLeft.Y, 0);
        Assert.Equal((110 + d) * 2, boxes[0].BottomRight.X, 0);
        Assert.Equal((20 + d) * 2, boxes[0].BottomRight.Y, 0);
        Assert.Equal(0.9f, boxes[0].Score, 2);
        Assert.Equal(0.8f, boxes[1].Score, 2);
    }

    [Fact]
    public void Weak_and_tiny_regions_are_dropped()
    {
        var map = Map(100, 100, (10, 10, 50, 10, 0.5f), (10, 40, 2, 2, 0.99f), (10, 70, 50, 10, 0.95f));
        var box = Assert.Single(new DbPostProcessor().Process(map, 100, 100, 100, 100));
        Assert.True(box.TopLeft.Y > 60);
    }

    [Fact]
    public void A_rotated_region_gives_a_rotated_rectangle_in_reading_direction()
    {
        int size = 200;
        var map = new float[size * size];
        var axis = Vector2.Normalize(new Vector2(1, 0.3f)); // about 17° down to the right
        var normal = new Vector2(-axis.Y, axis.X);
        var center = new Vector2(100, 100);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                var d = new Vector2(x, y) - center;
                if (MathF.Abs(Vector2.Dot(d, axis)) <= 60 && MathF.Abs(Vector2.Dot(d, normal)) <= 8)
                {
                    map[y * size + x] = 1f;
                }
            }
        }

        var box = Assert.Single(new DbPostProcessor().Process(map, size, size, size, size));
        var top = box.TopRight - box.TopLeft;
        Assert.Equal(0.3f, top.Y / top.X, 1);
        Assert.True(box.Width > 120 && box.Height > 16 && box.Width > 3 * box.Height, $"{box.Width} × {box.Height}");
    }

    [Fact]
    public void Reading_order_is_top_to_bottom_then_left_to_right_within_a_row()
    {
        static TextBox B(float x, float y) => new(new(x, y), new(x + 10, y), new(x + 10, y + 5), new(x, y + 5), 1);
        var sorted = DbPostProcessor.SortReadingOrder([B(50, 102), B(0, 200), B(0, 100), B(100, 98)]);
        Assert.Equal([B(0, 100), B(50, 102), B(100, 98), B(0, 200)], sorted);
    }

    [Fact]
    public void Ctc_collapses_repeats_and_drops_blanks()
    {
        var decoder = new CtcDecoder(["a", "b"]); // classes: blank, a, b, space
        int[] best = [1, 1, 0, 1, 2, 2, 3, 0, 2];
        var probabilities = new float[best.Length * 4];
        for (int t = 0; t < best.Length; t++)
        {
            for (int c = 0; c < 4; c++)
            {
                probabilities[t * 4 + c] = c == best[t] ? 0.7f : 0.1f;
            }
        }

        var result = decoder.Decode(probabilities, best.Length);
        Assert.Equal("aab b", result.Text);
        Assert.Equal(0.7f, result.Confidence, 4);
    }

    [Fact]
    public void Ctc_checks_the_class_count()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CtcDecoder(["a"]).Decode(new float[10], 2));
        Assert.Contains("3 classes", ex.Message, StringComparison.Ordinal);
    }
}
