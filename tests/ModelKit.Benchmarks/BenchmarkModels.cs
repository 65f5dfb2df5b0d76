using ModelKit.OnnxFormat;

namespace ModelKit.Benchmarks;

/// <summary>The models the benchmarks run: MNIST from ../shared, and models written by ModelKit's own ONNX writer.</summary>
public static class BenchmarkModels
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "modelkit-bench");

    /// <summary>../shared/models/&lt;file&gt;, found by walking up from the working folder or the binaries.</summary>
    public static string Shared(string file)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "models", file);
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                candidate = Path.Combine(dir.FullName, "..", "shared", "models", file);
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new FileNotFoundException($"The benchmarks need ../shared/models/{file} beside the checkout.");
    }

    /// <summary>y = a + b on [1,16] floats.</summary>
    public static string TinyAdd() => Write("add16.onnx", () => new OnnxGraphBuilder("add")
        .AddInput("a", OnnxDataType.Float, [1, 16])
        .AddInput("b", OnnxDataType.Float, [1, 16])
        .AddNode("Add", ["a", "b"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [1, 16]));

    /// <summary>A weight-bound MLP 784 → 2048 → 2048 → 10 (about 23 MB of float weights), dimension 0 dynamic.</summary>
    public static string WideMlp() => Write("mlp-2048.onnx", () =>
    {
        var random = new Random(42);
        float[] Weights(int rows, int cols)
        {
            var w = new float[rows * cols];
            float scale = MathF.Sqrt(2f / rows);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)((random.NextDouble() * 2) - 1) * scale;
            }

            return w;
        }

        return new OnnxGraphBuilder("mlp")
            .AddInput("x", OnnxDataType.Float, [-1, 784])
            .AddInitializer("w1", Weights(784, 2048), 784, 2048)
            .AddInitializer("b1", new float[2048], 2048)
            .AddInitializer("w2", Weights(2048, 2048), 2048, 2048)
            .AddInitializer("b2", new float[2048], 2048)
            .AddInitializer("w3", Weights(2048, 10), 2048, 10)
            .AddInitializer("b3", new float[10], 10)
            .AddNode("Gemm", ["x", "w1", "b1"], ["h1"])
            .AddNode("Relu", ["h1"], ["r1"])
            .AddNode("Gemm", ["r1", "w2", "b2"], ["h2"])
            .AddNode("Relu", ["h2"], ["r2"])
            .AddNode("Gemm", ["r2", "w3", "b3"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [-1, 10]);
    });

    private static string Write(string name, Func<OnnxGraphBuilder> build)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, name);
        if (!File.Exists(path))
        {
            string temp = path + $".{Environment.ProcessId}.tmp";
            build().Save(temp);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }
}
