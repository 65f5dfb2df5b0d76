using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests.Conformance;

/// <summary>One test of ONNX's backend data: a model, its input tensors and the expected outputs, with a tolerance.</summary>
internal sealed record BackendTestCase(string Suite, string Name, string ModelPath, IReadOnlyList<string> InputFiles, IReadOnlyList<string> OutputFiles, double RelativeTolerance, double AbsoluteTolerance)
{
    public string Id => $"{Suite}/{Name}";

    /// <summary>The light models' input is built from the graph input's shape, not stored.</summary>
    public bool GeneratedInput => InputFiles.Count == 0 && Suite == "light";

    /// <summary>Finds every test case under the shared backend data folder.</summary>
    public static IReadOnlyList<BackendTestCase> Discover(string root)
    {
        var cases = new List<BackendTestCase>();
        foreach (var suite in new[] { "simple", "pytorch-converted", "pytorch-operator" })
        {
            string folder = Path.Combine(root, suite);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var test in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
            {
                string model = Path.Combine(test, "model.onnx");
                if (!File.Exists(model))
                {
                    continue;
                }

                foreach (var dataSet in Directory.EnumerateDirectories(test, "test_data_set_*").Order(StringComparer.Ordinal))
                {
                    var inputs = NumberedFiles(dataSet, "input_");
                    var outputs = NumberedFiles(dataSet, "output_");
                    string name = Path.GetFileName(test) + (dataSet.EndsWith("_0", StringComparison.Ordinal) ? string.Empty : "#" + Path.GetFileName(dataSet));
                    cases.Add(new BackendTestCase(suite, name, model, inputs, outputs, 1e-3, 1e-5));
                }
            }
        }

        string light = Path.Combine(root, "light");
        if (Directory.Exists(light))
        {
            foreach (var model in Directory.EnumerateFiles(light, "light_*.onnx").Order(StringComparer.Ordinal))
            {
                string stem = Path.GetFileNameWithoutExtension(model);
                var outputs = NumberedFiles(light, stem + "_output_");
                double relative = stem.Contains("densenet121", StringComparison.Ordinal) ? 2e-3 : 1e-3;
                cases.Add(new BackendTestCase("light", stem, model, [], outputs, relative, 1e-7));
            }
        }

        return cases;
    }

    /// <summary>The light models' input: <c>arange(n).reshape(shape) / n</c> in float32, unknown dimensions as 1.</summary>
    public static TensorValue ArangeInput(TensorInfo input)
    {
        var shape = input.Shape.Select(static d => d < 0 ? 1L : d).ToArray();
        int n = checked((int)TensorShape.ElementCount(shape));
        var data = new float[n];
        for (int i = 0; i < n; i++)
        {
            data[i] = (float)i / n;
        }

        return TensorValue.Create(data, shape);
    }

    /// <summary>A TensorProto as a ModelKit tensor (copying the elements into a typed array).</summary>
    public static TensorValue ToTensorValue(OnnxTensor tensor)
    {
        var type = (TensorElementType)(int)tensor.DataType;
        if (!IsCarried(type))
        {
            throw new NotSupportedException($"element type {OnnxDataTypes.Name(tensor.DataType)}");
        }

        int count = checked((int)tensor.ElementCount);
        var buffer = TensorElementTypes.Allocate(type, count);
        if (type == TensorElementType.String)
        {
            tensor.Strings!.CopyTo(buffer.AsSpan<string>());
        }
        else
        {
            tensor.Data!.CopyTo(buffer.AsBytes());
        }

        return new TensorValue(tensor.Dims, buffer);
    }

    /// <summary>Whether ModelKit carries the element type (complex and float8 types it does not).</summary>
    public static bool IsCarried(TensorElementType type) => TensorElementTypes.SizeOf(type) > 0 || type == TensorElementType.String;

    public override string ToString() => Id;

    private static string[] NumberedFiles(string folder, string prefix) => Directory.EnumerateFiles(folder, prefix + "*.pb")
        .Select(path => (Path: path, Index: int.TryParse(Path.GetFileNameWithoutExtension(path).AsSpan(prefix.Length), out int index) ? index : -1))
        .Where(static f => f.Index >= 0)
        .OrderBy(static f => f.Index)
        .Select(static f => f.Path)
        .ToArray();
}
