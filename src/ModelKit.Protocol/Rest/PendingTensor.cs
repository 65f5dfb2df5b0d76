namespace ModelKit.Protocol.Rest;

/// <summary>A tensor read from the JSON part, whose binary data (if any) is attached once the JSON is read.</summary>
internal sealed class PendingTensor(string name, TensorElementType type, long[] shape, Dictionary<string, ParameterValue>? parameters, long? binarySize)
{
    public string Name { get; } = name;

    public TensorElementType Type { get; } = type;

    public long[] Shape { get; } = shape;

    /// <summary>The <c>binary_data_size</c> parameter, or null for JSON data.</summary>
    public long? BinarySize { get; } = binarySize;

    public TensorValue Value { get; set; }

    public bool Binary { get; set; }

    public InferTensor ToInferTensor() => new(Name, Value) { Binary = Binary, Parameters = parameters };
}
