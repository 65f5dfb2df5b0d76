using Microsoft.Extensions.DependencyInjection;
using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Contracts;
using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>The page's preprocessing (strokes → MNIST 28×28), without a browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DigitPreprocessorTests(BlazorAppFixture fixture)
{
    private static readonly PadGeometry Pad = PadGeometry.Default;

    [Fact]
    public void NoStrokes_IsAnEmptyDrawing()
    {
        var error = Assert.Throws<EmptyDrawingException>(() => DigitPreprocessor.Preprocess([], Pad));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrokesOutsideThePad_AreAnEmptyDrawing() =>
        Assert.Throws<EmptyDrawingException>(() => DigitPreprocessor.Preprocess([new Stroke([-100, -100, -50, -60])], Pad));

    [Fact]
    public void VerticalBar_IsScaledTo20RowsAndCentredByMass()
    {
        // A bar in the pad's top-left corner, 100 px tall: it must come out 20 rows tall, centred in 28×28.
        float[] pixels = DigitPreprocessor.Preprocess([new Stroke([30, 20, 30, 120])], Pad);
        Assert.Equal(784, pixels.Length);
        var inkedRows = Enumerable.Range(0, 28).Where(r => Enumerable.Range(0, 28).Any(c => pixels[r * 28 + c] > 0.05f)).ToList();
        Assert.Equal(20, inkedRows.Count);
        Assert.Equal(4, inkedRows[0]);
        var (x, y) = CentreOfMass(pixels);
        Assert.InRange(x, 12.5, 14.5);
        Assert.InRange(y, 12.5, 14.5);
        Assert.InRange(pixels.Max(), 0.9f, 1f);
        Assert.All(pixels, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void WideStroke_KeepsItsAspectRatio()
    {
        // 200 px wide, one pen (18 px) tall: 20 columns wide and about 2 rows tall, not stretched to a square.
        float[] pixels = DigitPreprocessor.Preprocess([new Stroke([40, 140, 222, 140])], Pad);
        int columns = Enumerable.Range(0, 28).Count(c => Enumerable.Range(0, 28).Any(r => pixels[r * 28 + c] > 0.05f));
        int rows = Enumerable.Range(0, 28).Count(r => Enumerable.Range(0, 28).Any(c => pixels[r * 28 + c] > 0.05f));
        Assert.Equal(20, columns);
        Assert.InRange(rows, 1, 3);
    }

    [Fact]
    public void SinglePoint_IsADot()
    {
        float[] pixels = DigitPreprocessor.Preprocess([new Stroke([100, 100])], Pad);
        Assert.True(pixels.Count(p => p > 0.5f) > 100, "a lone dot is scaled up to the 20×20 box like any ink");
    }

    [Fact]
    public void Softmax_IsAProbabilityDistribution()
    {
        float[] p = DigitPreprocessor.Softmax([1f, 2f, 3f, -1000f, 1000f]);
        Assert.Equal(1.0, p.Sum(), 5);
        Assert.Equal(4, Array.IndexOf(p, p.Max()));
        float[] q = DigitPreprocessor.Softmax([0f, 1f]);
        Assert.Equal(1 / (1 + Math.E), q[0], 5);
    }

    [Fact]
    public void MnistDigitsDrawnAsStrokes_ComeBackCloseToThemselves()
    {
        // Strokes rendered from held-out digits, preprocessed, compared with the original pixels (correlation).
        var (_, test) = MnistDataset.Split(MnistDataset.Load());
        var correlations = test.Take(200).Select(d => Correlation(d.Pixels, DigitPreprocessor.Preprocess(MnistStrokes.FromDigit(d, Pad), Pad))).ToList();
        Assert.True(correlations.Average() > 0.75, $"mean correlation {correlations.Average():F3}");
    }

    [Fact]
    public async Task MnistDigitsDrawnAsStrokes_AreRecognisedByTheMlp()
    {
        // The whole local path without a browser: strokes → preprocessing → generated client → ONNX Runtime.
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IMlpDigitClassifier>(o => o.Path = fixture.MlpPath));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IMlpDigitClassifier>();
        var (_, test) = MnistDataset.Split(MnistDataset.Load());
        var sample = test.Where((_, i) => i % 5 == 0).Take(300).ToList();
        int correct = 0;
        foreach (var digit in sample)
        {
            float[] pixels = DigitPreprocessor.Preprocess(MnistStrokes.FromDigit(digit, Pad), Pad);
            var answer = await client.PredictAsync(new MlpDigitImage { Pixels = pixels });
            correct += Array.IndexOf(answer.Values, answer.Values.Max()) == digit.Label ? 1 : 0;
        }

        double accuracy = (double)correct / sample.Count;
        Assert.True(accuracy >= 0.85, $"{correct} of {sample.Count} ({accuracy:P1}) redrawn digits recognised");
    }

    [Fact]
    public async Task HandDrawnDigits_AreRecognisedByTheMlp()
    {
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IMlpDigitClassifier>(o => o.Path = fixture.MlpPath));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IMlpDigitClassifier>();
        foreach (var (label, strokes) in new[] { (0, HandDrawnDigits.Zero), (1, HandDrawnDigits.One), (7, HandDrawnDigits.Seven), (3, HandDrawnDigits.Three) })
        {
            var answer = await client.PredictAsync(new MlpDigitImage { Pixels = DigitPreprocessor.Preprocess(strokes, Pad) });
            Assert.Equal(label, Array.IndexOf(answer.Values, answer.Values.Max()));
        }
    }

    private static (double X, double Y) CentreOfMass(float[] pixels)
    {
        double mass = 0, x = 0, y = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            mass += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }

        return (x / mass, y / mass);
    }

    private static double Correlation(float[] a, float[] b)
    {
        double meanA = a.Average(), meanB = b.Average();
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (int i = 0; i < a.Length; i++)
        {
            covariance += (a[i] - meanA) * (b[i] - meanB);
            varianceA += (a[i] - meanA) * (a[i] - meanA);
            varianceB += (b[i] - meanB) * (b[i] - meanB);
        }

        return covariance / Math.Sqrt(varianceA * varianceB);
    }
}
