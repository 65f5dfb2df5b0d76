namespace ModelKit.OnnxFormat;

/// <summary>
/// Builds an ONNX model (<c>ModelProto</c> bytes) from graph inputs, outputs, initializers and nodes. Also serves as a
/// subgraph (a <c>Loop</c> or <c>If</c> body) through <see cref="OnnxAttribute.Graph"/>.
/// </summary>
/// <example>
/// <code>
/// var model = new OnnxGraphBuilder()
///     .AddInput("x", OnnxDataType.Float, [-1, 3])
///     .AddInitializer("w", [1f, 2f, 3f], 3)
///     .AddNode("Mul", ["x", "w"], ["y"])
///     .AddOutput("y", OnnxDataType.Float, [-1, 3])
///     .ToBytes();
/// </code>
/// </example>
public sealed class OnnxGraphBuilder
{
    private readonly List<OnnxValueSpec> _inputs = [];
    private readonly List<OnnxValueSpec> _outputs = [];
    private readonly List<OnnxValueSpec> _valueInfos = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxNodeSpec> _nodes = [];
    private readonly List<KeyValuePair<string, long>> _extraOpsets = [];
    private readonly List<KeyValuePair<string, string>> _metadata = [];

    /// <summary>Creates a builder for a graph named <paramref name="graphName"/>.</summary>
    public OnnxGraphBuilder(string graphName = "modelkit_graph") => GraphName = graphName ?? throw new ArgumentNullException(nameof(graphName));

    /// <summary>The graph's name.</summary>
    public string GraphName { get; set; }

    /// <summary>The default-domain (<c>ai.onnx</c>) opset the model imports. Default 17.</summary>
    public long OpsetVersion { get; set; } = 17;

    /// <summary>The ONNX IR version written in the model. Default 8.</summary>
    public long IrVersion { get; set; } = 8;

    /// <summary>The producer name written in the model. Default <c>ModelKit</c>.</summary>
    public string ProducerName { get; set; } = "ModelKit";

    /// <summary>The producer version written in the model (optional).</summary>
    public string? ProducerVersion { get; set; }

    /// <summary>The model's doc string (optional).</summary>
    public string? DocString { get; set; }

    /// <summary>How initializers store their elements. Default <see cref="OnnxTensorEncoding.RawData"/>.</summary>
    public OnnxTensorEncoding InitializerEncoding { get; set; } = OnnxTensorEncoding.RawData;

    /// <summary>
    /// Declares a graph input. A <c>-1</c> dimension is dynamic: written as <c>dim_param</c> = <paramref name="dimNames"/>[i]
    /// or, when that is null, <c>N</c> for dimension 0 and <c>d{i}</c> otherwise (an empty name writes an unnamed dimension).
    /// A null <paramref name="shape"/> leaves the rank unknown; an empty one is a scalar.
    /// </summary>
    public OnnxGraphBuilder AddInput(string name, OnnxDataType type, long[]? shape, string?[]? dimNames = null)
    {
        _inputs.Add(new OnnxValueSpec(name, type, shape, dimNames));
        return this;
    }

    /// <summary>Declares a graph output; dimensions as in <see cref="AddInput"/>.</summary>
    public OnnxGraphBuilder AddOutput(string name, OnnxDataType type, long[]? shape, string?[]? dimNames = null)
    {
        _outputs.Add(new OnnxValueSpec(name, type, shape, dimNames));
        return this;
    }

    /// <summary>Declares the type and shape of an intermediate value (<c>value_info</c>); optional.</summary>
    public OnnxGraphBuilder AddValueInfo(string name, OnnxDataType type, long[]? shape, string?[]? dimNames = null)
    {
        _valueInfos.Add(new OnnxValueSpec(name, type, shape, dimNames));
        return this;
    }

    /// <summary>Adds an initializer (a constant tensor of the graph).</summary>
    public OnnxGraphBuilder AddInitializer(OnnxTensor tensor)
    {
        _initializers.Add(tensor ?? throw new ArgumentNullException(nameof(tensor)));
        return this;
    }

    /// <summary>Adds an initializer from any unmanaged element array whose layout matches <paramref name="type"/> (raw little-endian bytes: pass a <c>byte[]</c>; bfloat16: <c>ushort</c> bits).</summary>
    public OnnxGraphBuilder AddInitializer<T>(string name, OnnxDataType type, T[] data, params long[] shape)
        where T : unmanaged => AddInitializer(OnnxTensor.Create(name, type, data, shape));

    /// <summary>Adds a float initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, float[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a double initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, double[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds an int8 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, sbyte[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a uint8 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, byte[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds an int16 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, short[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a uint16 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, ushort[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds an int32 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, int[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a uint32 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, uint[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds an int64 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, long[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a uint64 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, ulong[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a bool initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, bool[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

    /// <summary>Adds a string initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, string[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));

#if NET5_0_OR_GREATER
    /// <summary>Adds a float16 initializer.</summary>
    public OnnxGraphBuilder AddInitializer(string name, Half[] data, params long[] shape) => AddInitializer(OnnxTensor.Create(name, data, shape));
#endif

    /// <summary>Adds a node of the default domain.</summary>
    public OnnxGraphBuilder AddNode(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes) =>
        AddNode(opType, inputs, outputs, name: null, domain: null, attributes);

    /// <summary>Adds a node with an explicit name and operator domain (e.g. <c>com.microsoft</c>; import it with <see cref="AddOpsetImport"/>).</summary>
    public OnnxGraphBuilder AddNode(string opType, string[] inputs, string[] outputs, string? name, string? domain, params OnnxAttribute[] attributes)
    {
        if (string.IsNullOrEmpty(opType))
        {
            throw new ArgumentException("A node needs an operator type.", nameof(opType));
        }

        _nodes.Add(new OnnxNodeSpec(
            opType,
            inputs ?? throw new ArgumentNullException(nameof(inputs)),
            outputs ?? throw new ArgumentNullException(nameof(outputs)),
            name ?? $"{opType}_{_nodes.Count}",
            domain,
            attributes ?? []));
        return this;
    }

    /// <summary>Imports an extra operator set (domain and version) besides the default one.</summary>
    public OnnxGraphBuilder AddOpsetImport(string domain, long version)
    {
        _extraOpsets.Add(new KeyValuePair<string, long>(domain ?? throw new ArgumentNullException(nameof(domain)), version));
        return this;
    }

    /// <summary>Adds a model metadata entry (<c>metadata_props</c>).</summary>
    public OnnxGraphBuilder AddMetadata(string key, string value)
    {
        _metadata.Add(new KeyValuePair<string, string>(key ?? throw new ArgumentNullException(nameof(key)), value ?? throw new ArgumentNullException(nameof(value))));
        return this;
    }

    /// <summary>Serializes the model as ONNX <c>ModelProto</c> bytes.</summary>
    public byte[] ToBytes()
    {
        var writer = new Internal.ProtoWriter(1024);
        Internal.OnnxProtoWriter.WriteModel(writer, this);
        return writer.ToArray();
    }

    /// <summary>Writes the model to a file (creating its folder).</summary>
    public void Save(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A path is required.", nameof(path));
        }

        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, ToBytes());
    }

    internal IReadOnlyList<OnnxValueSpec> Inputs => _inputs;

    internal IReadOnlyList<OnnxValueSpec> Outputs => _outputs;

    internal IReadOnlyList<OnnxValueSpec> ValueInfos => _valueInfos;

    internal IReadOnlyList<OnnxTensor> Initializers => _initializers;

    internal IReadOnlyList<OnnxNodeSpec> Nodes => _nodes;

    internal IReadOnlyList<KeyValuePair<string, long>> ExtraOpsets => _extraOpsets;

    internal IReadOnlyList<KeyValuePair<string, string>> Metadata => _metadata;
}

/// <summary>A declared graph value: name, element type, shape (null = unknown rank) and dimension names.</summary>
internal sealed class OnnxValueSpec(string name, OnnxDataType type, long[]? shape, string?[]? dimNames)
{
    public string Name { get; } = string.IsNullOrEmpty(name) ? throw new ArgumentException("A graph value needs a name.", nameof(name)) : name;

    public OnnxDataType Type { get; } = type;

    public long[]? Shape { get; } = shape;

    public string?[]? DimNames { get; } = dimNames;
}

/// <summary>A node as declared.</summary>
internal sealed class OnnxNodeSpec(string opType, string[] inputs, string[] outputs, string name, string? domain, OnnxAttribute[] attributes)
{
    public string OpType { get; } = opType;

    public string[] Inputs { get; } = inputs;

    public string[] Outputs { get; } = outputs;

    public string Name { get; } = name;

    public string? Domain { get; } = domain;

    public OnnxAttribute[] Attributes { get; } = attributes;
}
