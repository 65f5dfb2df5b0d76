using System.Text.RegularExpressions;
using ModelKit.OnnxFormat;
using ModelKit.Samples.ConsoleApp;
using ModelKit.Samples.ConsoleApp.Serving;
using ModelKit.Samples.Mnist;
using ModelKit.Testing;

namespace ModelKit.Samples.Tests;

/// <summary>The console sample end to end, in-process: contract chosen by signature, client from DI, figures printed.</summary>
public sealed partial class ConsoleSampleTests : IDisposable
{
    private static readonly Lazy<MlpModel> ShortTrained = new(static () => new MlpTrainer(Digits.ShortRun(2)).Train(Digits.Train).Model);

    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"modelkit-console-{Guid.NewGuid():N}")).FullName;

    [Fact]
    public async Task ServesTheExportedMlpThroughItsGeneratedClient()
    {
        string path = Path.Combine(_folder, "mlp.onnx");
        MlpOnnxExporter.Save(ShortTrained.Value, path);
        int expectedCorrect = ShortTrained.Value.Evaluate(Digits.Test).Correct;

        var (exitCode, text) = await RunSample(path);

        Assert.Equal(0, exitCode);
        Assert.Contains("IMlpDigitClassifier (generated client) → model 'mnist-mlp' on onnxruntime", text, StringComparison.Ordinal);
        var (correct, total) = Accuracy(text, "held-out test digits");
        Assert.Equal(Digits.Test.Count, total);
        Assert.InRange(correct, expectedCorrect - 2, expectedCorrect + 2);   // ONNX Runtime's float sums may flip a near tie
        AssertFigures(text);
    }

    [SkippableFact]
    public async Task ServesTheModelZooCnnThroughItsGeneratedClient()
    {
        string path = SharedData.Require("models/mnist.onnx");

        var (exitCode, text) = await RunSample(path);

        Assert.Equal(0, exitCode);
        Assert.Contains("IDigitClassifier (generated client) → model 'mnist'", text, StringComparison.Ordinal);
        var (correct, total) = Accuracy(text, "all 10,000 digits");
        Assert.Equal(10_000, total);
        Assert.True(correct >= 9_900, $"the CNN classified {correct} of 10,000 (pixels must be scaled to 0..255)");
        AssertFigures(text);
    }

    [Fact]
    public async Task RunsOtherMnistShapedModelsUntyped()
    {
        string path = Path.Combine(_folder, "other-names.onnx");
        WriteWithOtherNames(ShortTrained.Value, path);
        int expectedCorrect = ShortTrained.Value.Evaluate(Digits.Test).Correct;

        var (exitCode, text) = await RunSample(path);

        Assert.Equal(0, exitCode);
        Assert.Contains("DynamicModelClient (untyped: 'image' → 'scores')", text, StringComparison.Ordinal);
        var (correct, _) = Accuracy(text, "held-out test digits");
        Assert.InRange(correct, expectedCorrect - 2, expectedCorrect + 2);
        AssertFigures(text);
    }

    [Fact]
    public void SelectsTheContractByTheModelsSignature()
    {
        Assert.Equal(DigitModelKind.Mlp, DigitModelSelector.Select(OnnxSignatureReader.Read(MlpOnnxExporter.ToBytes(ShortTrained.Value))));
        Assert.Equal(DigitModelKind.Cnn, DigitModelSelector.Select(OnnxSignatureReader.Read(Identity("Input3", [1, 1, 28, 28], "Plus214_Output_0", [1, 10]))));
        Assert.Equal(DigitModelKind.Untyped, DigitModelSelector.Select(OnnxSignatureReader.Read(Identity("x", [1, 784], "y", [1, 10]))));
        Assert.Null(DigitModelSelector.Select(OnnxSignatureReader.Read(Identity("x", [1, 3, 224, 224], "y", [1, 1000]))));
        Assert.Null(DigitModelSelector.Select(OnnxSignatureReader.Read(Identity("x", [-1, -1], "y", [-1, 10]))));
    }

    [Fact]
    public async Task RejectsAModelThatIsNotMnistShaped()
    {
        string path = Path.Combine(_folder, "imagenet.onnx");
        File.WriteAllBytes(path, Identity("data", [1, 3, 224, 224], "prob", [1, 1000]));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunSample(path));

        Assert.Contains("not MNIST-shaped", error.Message, StringComparison.Ordinal);
        Assert.Contains("data: tensor(float)[1,3,224,224]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AContractNameWithTheWrongShapeFailsWhenTheClientIsResolved()
    {
        // Named like the MLP but with 100 pixels a digit: the generated client's binding names the mismatch.
        string path = Path.Combine(_folder, "small-mlp.onnx");
        File.WriteAllBytes(path, Linear("pixels", 100, "probabilities"));

        var error = await Assert.ThrowsAsync<ModelContractMismatchException>(() => RunSample(path));

        Assert.Contains("MlpDigitImage.Pixels", error.Message, StringComparison.Ordinal);
        Assert.Contains("784", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingModelFileIsReportedBeforeAnyWork()
    {
        var output = new StringWriter();
        var options = new SampleOptions(Path.Combine(_folder, "absent.onnx"), 100, 0, null, false, TimeSpan.FromMilliseconds(10));

        await Assert.ThrowsAsync<FileNotFoundException>(() => new SampleRunner(options, output).RunAsync(CancellationToken.None));
        Assert.Equal(string.Empty, output.ToString());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(int ExitCode, string Output)> RunSample(string modelPath)
    {
        var output = new StringWriter();
        var options = new SampleOptions(modelPath, Calls: 200, Threads: 1, PixelScale: null, Retrain: false, ThroughputDuration: TimeSpan.FromMilliseconds(20));
        int exitCode = await new SampleRunner(options, output).RunAsync(CancellationToken.None);
        return (exitCode, output.ToString());
    }

    private static (int Correct, int Total) Accuracy(string output, string label)
    {
        var line = output.Split('\n').Single(l => l.Contains(label, StringComparison.Ordinal));
        var match = CountsPattern().Match(line);
        Assert.True(match.Success, line);
        static int Parse(string text) => int.Parse(new string(text.Where(char.IsAsciiDigit).ToArray()), System.Globalization.CultureInfo.InvariantCulture);
        return (Parse(match.Groups[1].Value), Parse(match.Groups[2].Value));
    }

    private static void AssertFigures(string output)
    {
        Assert.Matches(@"Predict:\s+p50 [\d.,]+ µs\s+p90 [\d.,]+ µs\s+p99 [\d.,]+ µs", output);
        Assert.Matches(@"PredictAsync:\s+p50 [\d.,]+ µs", output);
        Assert.Matches(@"batch\s+32:\s+[\d,.]+ images/s", output);
        Assert.Matches(@"batch\s+256:\s+[\d,.]+ images/s", output);
    }

    /// <summary>A runnable model [N, inputs] → MatMul → [N, 10].</summary>
    private static byte[] Linear(string input, int inputs, string output) =>
        new OnnxGraphBuilder()
            .AddInput(input, OnnxDataType.Float, [-1, inputs])
            .AddInitializer("w", new float[inputs * 10], inputs, 10)
            .AddNode("MatMul", [input, "w"], [output])
            .AddOutput(output, OnnxDataType.Float, [-1, 10])
            .ToBytes();

    /// <summary>A model whose one output is its input reshaped: enough to carry a signature (not meant to run).</summary>
    private static byte[] Identity(string input, long[] inputShape, string output, long[] outputShape) =>
        new OnnxGraphBuilder()
            .AddInput(input, OnnxDataType.Float, inputShape)
            .AddInitializer("shape", outputShape.Select(static d => d < 0 ? -1L : d).ToArray(), outputShape.Length)
            .AddNode("Reshape", [input, "shape"], [output])
            .AddOutput(output, OnnxDataType.Float, outputShape)
            .ToBytes();

    /// <summary>The MLP as another exporter might write it: input 'image' [batch,1,28,28], MatMul + Add, logits 'scores'.</summary>
    private static void WriteWithOtherNames(MlpModel model, string path)
    {
        var builder = new OnnxGraphBuilder("other")
            .AddInput("image", OnnxDataType.Float, [-1, 1, 28, 28], ["batch", null, null, null])
            .AddInitializer("flat_shape", new long[] { -1, 784 }, 2)
            .AddNode("Reshape", ["image", "flat_shape"], ["flat"]);
        string current = "flat";
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            bool last = l == model.Layers.Count - 1;
            builder.AddInitializer($"w{l}", layer.Weights.ToArray(), layer.InputSize, layer.OutputSize)
                .AddInitializer($"b{l}", layer.Bias.ToArray(), layer.OutputSize)
                .AddNode("MatMul", [current, $"w{l}"], [$"m{l}"])
                .AddNode("Add", [$"m{l}", $"b{l}"], [last ? "scores" : $"z{l}"]);
            if (!last)
            {
                builder.AddNode("Relu", [$"z{l}"], [$"a{l}"]);
                current = $"a{l}";
            }
        }

        builder.AddOutput("scores", OnnxDataType.Float, [-1, 10], ["batch", null]).Save(path);
    }

    [GeneratedRegex(@"\(([\d,.\s\u00a0\u202f]+) of ([\d,.\s\u00a0\u202f]+)\)")]
    private static partial Regex CountsPattern();
}
