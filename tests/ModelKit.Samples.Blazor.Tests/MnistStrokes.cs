using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>
/// Turns an MNIST digit into pen strokes on the sample's 280×280 pad, the way a plotter would draw it: one horizontal stroke
/// per run of inked pixels in each row (10 pad pixels per MNIST pixel), inset so the round pen ends where the ink ends.
/// </summary>
public static class MnistStrokes
{
    public const float Scale = 10f;
    private const float Threshold = 0.35f;

    public static IReadOnlyList<Stroke> FromDigit(MnistDigit digit, PadGeometry pad)
    {
        var strokes = new List<Stroke>();
        float inset = Math.Max(0, pad.PenWidth / 2 - Scale / 2);
        for (int row = 0; row < 28; row++)
        {
            int column = 0;
            while (column < 28)
            {
                if (digit.Pixels[row * 28 + column] < Threshold)
                {
                    column++;
                    continue;
                }

                int first = column;
                while (column < 28 && digit.Pixels[row * 28 + column] >= Threshold)
                {
                    column++;
                }

                int last = column - 1;
                float y = row * Scale + Scale / 2;
                float x0 = first * Scale + Scale / 2 + inset, x1 = last * Scale + Scale / 2 - inset;
                strokes.Add(x1 > x0 ? new Stroke([x0, y, (x0 + x1) / 2, y, x1, y]) : new Stroke([(first + last + 1) * Scale / 2, y]));
            }
        }

        return strokes;
    }

    /// <summary>The first digit of each label 0–9 in the held-out split (the MLP never trained on them).</summary>
    public static IReadOnlyList<MnistDigit> OnePerLabel()
    {
        var (_, test) = MnistDataset.Split(MnistDataset.Load());
        return Enumerable.Range(0, 10).Select(label => test.First(d => d.Label == label)).ToList();
    }
}
