namespace ModelKit.OnnxFormat;

/// <summary>The kind of value an <see cref="OnnxAttribute"/> carries. Values match <c>onnx.AttributeProto.AttributeType</c>.</summary>
public enum OnnxAttributeType
{
    /// <summary>Not set (an invalid attribute).</summary>
    Undefined = 0,
    /// <summary>One 32-bit float (<c>f</c>).</summary>
    Float = 1,
    /// <summary>One 64-bit integer (<c>i</c>).</summary>
    Int = 2,
    /// <summary>One byte string (<c>s</c>).</summary>
    String = 3,
    /// <summary>One tensor (<c>t</c>).</summary>
    Tensor = 4,
    /// <summary>One subgraph (<c>g</c>), as in <c>If</c> and <c>Loop</c>.</summary>
    Graph = 5,
    /// <summary>A list of floats (<c>floats</c>).</summary>
    Floats = 6,
    /// <summary>A list of 64-bit integers (<c>ints</c>).</summary>
    Ints = 7,
    /// <summary>A list of byte strings (<c>strings</c>).</summary>
    Strings = 8,
}

/// <summary>A node attribute (<c>onnx.AttributeProto</c>). Create one with the static factories.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeType type)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("An attribute needs a name.", nameof(name));
        }

        Name = name;
        Type = type;
    }

    /// <summary>The attribute's name, e.g. <c>axis</c>.</summary>
    public string Name { get; }

    /// <summary>What the attribute carries.</summary>
    public OnnxAttributeType Type { get; }

    /// <summary>The value of an <see cref="OnnxAttributeType.Int"/> attribute.</summary>
    public long IntValue { get; private set; }

    /// <summary>The value of a <see cref="OnnxAttributeType.Float"/> attribute.</summary>
    public float FloatValue { get; private set; }

    /// <summary>The value of a <see cref="OnnxAttributeType.String"/> attribute.</summary>
    public string? StringValue { get; private set; }

    /// <summary>The values of an <see cref="OnnxAttributeType.Ints"/> attribute.</summary>
    public long[]? IntValues { get; private set; }

    /// <summary>The values of a <see cref="OnnxAttributeType.Floats"/> attribute.</summary>
    public float[]? FloatValues { get; private set; }

    /// <summary>The values of a <see cref="OnnxAttributeType.Strings"/> attribute.</summary>
    public string[]? StringValues { get; private set; }

    /// <summary>The value of a <see cref="OnnxAttributeType.Tensor"/> attribute.</summary>
    public OnnxTensor? TensorValue { get; private set; }

    /// <summary>The value of a <see cref="OnnxAttributeType.Graph"/> attribute (a subgraph such as a <c>Loop</c> body).</summary>
    public OnnxGraphBuilder? GraphValue { get; private set; }

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int) { IntValue = value };

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float) { FloatValue = value };

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value) =>
        new(name, OnnxAttributeType.String) { StringValue = value ?? throw new ArgumentNullException(nameof(value)) };

    /// <summary>A list-of-integers attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) =>
        new(name, OnnxAttributeType.Ints) { IntValues = values ?? throw new ArgumentNullException(nameof(values)) };

    /// <summary>A list-of-floats attribute.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) =>
        new(name, OnnxAttributeType.Floats) { FloatValues = values ?? throw new ArgumentNullException(nameof(values)) };

    /// <summary>A list-of-strings attribute.</summary>
    public static OnnxAttribute Strings(string name, params string[] values) =>
        new(name, OnnxAttributeType.Strings) { StringValues = values ?? throw new ArgumentNullException(nameof(values)) };

    /// <summary>A tensor attribute (e.g. <c>Constant</c>'s <c>value</c>).</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value) =>
        new(name, OnnxAttributeType.Tensor) { TensorValue = value ?? throw new ArgumentNullException(nameof(value)) };

    /// <summary>A subgraph attribute (e.g. <c>Loop</c>'s <c>body</c>, <c>If</c>'s branches).</summary>
    public static OnnxAttribute Graph(string name, OnnxGraphBuilder value) =>
        new(name, OnnxAttributeType.Graph) { GraphValue = value ?? throw new ArgumentNullException(nameof(value)) };
}
