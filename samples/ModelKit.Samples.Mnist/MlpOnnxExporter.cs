using System.Globalization;
using ModelKit.OnnxFormat;

namespace ModelKit.Samples.Mnist;

/// <summary>
/// Writes an <see cref="MlpModel"/> as an ONNX model with ModelKit's own writer (<see cref="OnnxGraphBuilder"/>):
/// input <see cref="InputName"/> float [N, 784] (pixels 0..1), output <see cref="OutputName"/> float [N, 10] (probabilities);
/// one <c>Gemm</c> per layer, <c>Relu</c> between them, <c>Softmax</c> at the end.
/// </summary>
public static class MlpOnnxExporter
{
    /// <summary>The model's input: float [N, 784], pixels 0..1 (white ink on black).</summary>
    public const string InputName = "pixels";

    /// <summary>The model's output: float [N, 10], class probabilities.</summary>
    public const string OutputName = "probabilities";

    /// <summary>The graph name written into the model.</summary>
    public const string GraphName = "mnist_mlp";

    /// <summary>The ONNX model bytes for <paramref name="model"/>; <paramref name="metadata"/> lands in the model's metadata_props.</summary>
    public static byte[] ToBytes(MlpModel model, IReadOnlyDictionary<string, string>? metadata = null) =>
        CreateGraph(model, metadata).ToBytes();

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (creating its folder).</summary>
    public static void Save(MlpModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, ToBytes(model, metadata));
    }

    private static OnnxGraphBuilder CreateGraph(MlpModel model, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        var builder = new OnnxGraphBuilder(GraphName)
        {
            DocString = $"The seeds' MNIST MLP ({string.Join(" → ", model.Layers.Select(static l => l.InputSize).Append(MlpModel.ClassCount))}), trained with ModelKit.Samples.Mnist.",
        };
        builder.AddInput(InputName, OnnxDataType.Float, [-1, MlpModel.InputSize]);

        string current = InputName;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            string weights = $"dense{l}.weight", bias = $"dense{l}.bias", linear = $"dense{l}.linear";
            builder.AddInitializer(weights, layer.Weights.ToArray(), layer.InputSize, layer.OutputSize);
            builder.AddInitializer(bias, layer.Bias.ToArray(), layer.OutputSize);
            builder.AddNode("Gemm", [current, weights, bias], [linear], $"dense{l}", null);

            if (layer.Activation == DenseActivation.Relu)
            {
                current = $"dense{l}.relu";
                builder.AddNode("Relu", [linear], [current], $"relu{l}", null);
            }
            else
            {
                current = OutputName;
                builder.AddNode("Softmax", [linear], [current], "softmax", null, OnnxAttribute.Int("axis", -1));
            }
        }

        builder.AddOutput(OutputName, OnnxDataType.Float, [-1, MlpModel.ClassCount]);
        builder.AddMetadata("modelkit.sample", "mnist-mlp");
        builder.AddMetadata("modelkit.parameters", model.ParameterCount.ToString(CultureInfo.InvariantCulture));
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                builder.AddMetadata(key, value);
            }
        }

        return builder;
    }
}
