using ModelKit.OnnxFormat;

namespace ModelKit.Operations.Tests;

/// <summary>Models written with ModelKit.OnnxFormat (no shared data needed).</summary>
internal static class TestModels
{
    /// <summary><c>y = x · 2</c>, x and y FP32[N, 4].</summary>
    public static byte[] Doubler() => new OnnxGraphBuilder("doubler")
        .AddInput("x", OnnxDataType.Float, [-1, 4])
        .AddInitializer("two", new[] { 2f }, 1)
        .AddNode("Mul", ["x", "two"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [-1, 4])
        .ToBytes();

    /// <summary>
    /// <c>y = x · W · W · …</c> (<paramref name="nodes"/> MatMuls by a 256×256 identity, x FP32[N, 256]): tens of milliseconds per
    /// call, so requests are in progress when the server is told to stop.
    /// </summary>
    public static byte[] Slow(int nodes = 48)
    {
        var weights = new float[256 * 256];
        for (int i = 0; i < 256; i++)
        {
            weights[(i * 256) + i] = 1f;
        }

        var builder = new OnnxGraphBuilder("slow").AddInput("x", OnnxDataType.Float, [-1, 256]).AddInitializer("w", weights, 256, 256);
        string previous = "x";
        for (int n = 0; n < nodes; n++)
        {
            string next = n == nodes - 1 ? "y" : $"h{n}";
            builder.AddNode("MatMul", [previous, "w"], [next]);
            previous = next;
        }

        return builder.AddOutput("y", OnnxDataType.Float, [-1, 256]).ToBytes();
    }

    /// <summary>Writes <c>&lt;root&gt;/&lt;name&gt;/1/model.onnx</c> (Triton layout) and returns the root.</summary>
    public static string Repository(string root, string name, byte[] model)
    {
        string dir = Path.Combine(root, name, "1");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model);
        return root;
    }
}
