using System.Globalization;
using System.Text;

namespace ModelKit.OnnxFormat;

/// <summary>What kind of value a graph input or output carries.</summary>
public enum OnnxValueKind
{
    /// <summary>No type information (or one this library does not know).</summary>
    Unknown,

    /// <summary>A dense tensor.</summary>
    Tensor,

    /// <summary>A sparse tensor.</summary>
    SparseTensor,

    /// <summary>A sequence (e.g. of tensors).</summary>
    Sequence,

    /// <summary>A map.</summary>
    Map,

    /// <summary>An optional value.</summary>
    Optional,
}

/// <summary>An operator set a model imports.</summary>
public sealed class OnnxOpsetImport(string domain, long version)
{
    /// <summary>The domain (empty or <c>ai.onnx</c> for the default one).</summary>
    public string Domain { get; } = domain;

    /// <summary>The opset version.</summary>
    public long Version { get; } = version;

    /// <inheritdoc />
    public override string ToString() => $"{(Domain.Length == 0 ? "ai.onnx" : Domain)} v{Version.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>A graph input or output (<c>ValueInfoProto</c>): name, type, and shape with symbolic dimension names.</summary>
public sealed class OnnxValueInfo
{
    internal OnnxValueInfo(string name, OnnxValueKind kind, OnnxDataType elementType, long[]? shape, string?[]? dimensionNames, string typeText, string? docString)
    {
        Name = name;
        Kind = kind;
        ElementType = elementType;
        Shape = shape ?? [];
        HasShape = shape is not null;
        DimensionNames = dimensionNames ?? new string?[Shape.Length];
        TypeText = typeText;
        DocString = docString;
    }

    /// <summary>The graph name.</summary>
    public string Name { get; }

    /// <summary>What the value is (tensor, sequence, map…).</summary>
    public OnnxValueKind Kind { get; }

    /// <summary>The element type of a tensor or sparse tensor (<see cref="OnnxDataType.Undefined"/> otherwise).</summary>
    public OnnxDataType ElementType { get; }

    /// <summary>Whether the model declares the rank (a shape, possibly empty for a scalar).</summary>
    public bool HasShape { get; }

    /// <summary>The dimensions, <c>-1</c> where dynamic (symbolic or unnamed); empty for a scalar or when <see cref="HasShape"/> is false.</summary>
    public long[] Shape { get; }

    /// <summary>The symbolic name of each dimension (<c>dim_param</c>), null where fixed or unnamed.</summary>
    public IReadOnlyList<string?> DimensionNames { get; }

    /// <summary>The type in ONNX's notation, e.g. <c>tensor(float)</c> or <c>seq(tensor(int64))</c>.</summary>
    public string TypeText { get; }

    /// <summary>The value's doc string, if any.</summary>
    public string? DocString { get; }

    /// <summary>The shape as text, e.g. <c>[N,3,224,224]</c>, or <c>?</c> when the rank is unknown.</summary>
    public string ShapeText
    {
        get
        {
            if (!HasShape)
            {
                return "?";
            }

            var builder = new StringBuilder("[");
            for (int i = 0; i < Shape.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(',');
                }

                builder.Append(Shape[i] >= 0 ? Shape[i].ToString(CultureInfo.InvariantCulture) : DimensionNames[i] ?? "?");
            }

            return builder.Append(']').ToString();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {TypeText}{(Kind == OnnxValueKind.Tensor ? ShapeText : string.Empty)}";
}

/// <summary>A model's signature as its file declares it: graph inputs (initializers excluded), outputs and model facts.</summary>
public sealed class OnnxModelSignature
{
    internal OnnxModelSignature(
        long irVersion,
        string? producerName,
        string? producerVersion,
        string? domain,
        long modelVersion,
        string? docString,
        string? graphName,
        IReadOnlyList<OnnxOpsetImport> opsetImports,
        IReadOnlyList<OnnxValueInfo> inputs,
        IReadOnlyList<OnnxValueInfo> outputs,
        int initializerCount,
        IReadOnlyDictionary<string, string> metadata)
    {
        IrVersion = irVersion;
        ProducerName = producerName;
        ProducerVersion = producerVersion;
        Domain = domain;
        ModelVersion = modelVersion;
        DocString = docString;
        GraphName = graphName;
        OpsetImports = opsetImports;
        Inputs = inputs;
        Outputs = outputs;
        InitializerCount = initializerCount;
        Metadata = metadata;
        foreach (var opset in opsetImports)
        {
            if (opset.Domain.Length == 0 || opset.Domain == "ai.onnx")
            {
                OpsetVersion = opset.Version;
            }
        }
    }

    /// <summary>The ONNX IR version.</summary>
    public long IrVersion { get; }

    /// <summary>The producer (e.g. <c>pytorch</c>, <c>ModelKit</c>), if recorded.</summary>
    public string? ProducerName { get; }

    /// <summary>The producer's version, if recorded.</summary>
    public string? ProducerVersion { get; }

    /// <summary>The model's domain, if recorded.</summary>
    public string? Domain { get; }

    /// <summary>The model's version number (0 if not recorded).</summary>
    public long ModelVersion { get; }

    /// <summary>The model's doc string, if any.</summary>
    public string? DocString { get; }

    /// <summary>The main graph's name.</summary>
    public string? GraphName { get; }

    /// <summary>The operator sets the model imports.</summary>
    public IReadOnlyList<OnnxOpsetImport> OpsetImports { get; }

    /// <summary>The default-domain opset version (0 when the model imports none).</summary>
    public long OpsetVersion { get; }

    /// <summary>The graph inputs a caller supplies (inputs that are initializers are excluded).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>How many initializers (weights) the graph has; their payloads are never read.</summary>
    public int InitializerCount { get; }

    /// <summary>The model's metadata properties.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"inputs: {string.Join(", ", Inputs)}; outputs: {string.Join(", ", Outputs)}";
}
