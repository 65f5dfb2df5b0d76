using ModelKit.Onnx;
using ModelKit.OnnxFormat;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Tests;

public sealed class MlpOnnxExporterTests
{
    private static readonly Lazy<MlpModel> Trained = new(static () => new MlpTrainer(Digits.ShortRun(2)).Train(Digits.Train).Model);

    [Fact]
    public void ExportedModelRunsInOnnxRuntimeWithTheTrainersProbabilities()
    {
        var model = Trained.Value;
        var digits = Digits.Test.Take(200).ToArray();
        using var backend = OnnxModelBackend.Load("mnist-mlp", MlpOnnxExporter.ToBytes(model));
        using var client = new DynamicModelClient(backend);

        // One run of the whole batch [200, 784]: the batch dimension is dynamic.
        var pixels = digits.SelectMany(static d => d.Pixels).ToArray();
        var outputs = client.Run([new NamedTensor(MlpOnnxExporter.InputName, TensorValue.Create(pixels, digits.Length, MlpModel.InputSize))]);

        var output = Assert.Single(outputs);
        Assert.Equal(MlpOnnxExporter.OutputName, output.Name);
        Assert.Equal([digits.Length, MlpModel.ClassCount], output.Value.Shape);
        var onnx = output.Value.Buffer.AsSpan<float>();
        double worst = 0;
        int agree = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            var expected = model.Predict(digits[i].Pixels);
            var actual = onnx.Slice(i * MlpModel.ClassCount, MlpModel.ClassCount);
            for (int c = 0; c < MlpModel.ClassCount; c++)
            {
                worst = Math.Max(worst, Math.Abs(expected[c] - actual[c]));
            }

            agree += Array.IndexOf(expected, expected.Max()) == IndexOfMax(actual) ? 1 : 0;
        }

        Assert.True(worst <= 1e-4, $"largest difference between ONNX Runtime and the trainer: {worst:E2}");
        Assert.Equal(digits.Length, agree);
    }

    [Fact]
    public void SingleDigitRunMatchesToo()
    {
        var model = Trained.Value;
        var digit = Digits.Test[7];
        using var backend = OnnxModelBackend.Load("mnist-mlp", MlpOnnxExporter.ToBytes(model));
        using var client = new DynamicModelClient(backend);

        var output = client.Run([new NamedTensor("pixels", TensorValue.Create(digit.Pixels, 1, 784))])[0];

        Assert.Equal([1L, 10L], output.Value.Shape);
        var probabilities = output.Value.Buffer.AsSpan<float>();
        Assert.Equal(1f, probabilities.ToArray().Sum(), 4);
        var expected = model.Predict(digit.Pixels);
        for (int c = 0; c < 10; c++)
        {
            Assert.InRange(probabilities[c], expected[c] - 1e-4f, expected[c] + 1e-4f);
        }
    }

    [Fact]
    public void SignatureHasDynamicBatchNamedN()
    {
        var bytes = MlpOnnxExporter.ToBytes(Trained.Value, new Dictionary<string, string> { ["owner"] = "tests" });

        var signature = OnnxSignatureReader.Read(bytes);
        var input = Assert.Single(signature.Inputs);
        var output = Assert.Single(signature.Outputs);
        Assert.Equal(("pixels", OnnxDataType.Float), (input.Name, input.ElementType));
        Assert.Equal([-1L, 784L], input.Shape);
        Assert.Equal("N", input.DimensionNames[0]);
        Assert.Equal(("probabilities", OnnxDataType.Float), (output.Name, output.ElementType));
        Assert.Equal([-1L, 10L], output.Shape);
        Assert.Equal("N", output.DimensionNames[0]);
        Assert.Equal("tests", signature.Metadata["owner"]);
        Assert.Equal(6, signature.InitializerCount);

        using var backend = OnnxModelBackend.Load("mnist-mlp", bytes);
        var runtimeInput = Assert.Single(backend.Signature.Inputs);
        Assert.Equal(("pixels", TensorElementType.Float), (runtimeInput.Name, runtimeInput.ElementType));
        Assert.Equal([-1L, 784L], runtimeInput.Shape);
        Assert.Equal([-1L, 10L], Assert.Single(backend.Signature.Outputs).Shape);
    }

    private static int IndexOfMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
