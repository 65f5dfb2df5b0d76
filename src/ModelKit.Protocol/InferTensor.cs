namespace ModelKit.Protocol;

/// <summary>
/// A tensor in a protocol message: a request input or a response output. Its data is a <see cref="TensorValue"/>, the same
/// seam every ModelKit backend carries, so nothing is converted twice: decoders write JSON numbers straight into the typed
/// array, and binary data is a view over the message body where alignment allows.
/// </summary>
public sealed class InferTensor
{
    /// <summary>Creates a tensor.</summary>
    public InferTensor(string name, TensorValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!value.HasValue)
        {
            throw new ArgumentException("The tensor value is empty.", nameof(value));
        }

        Name = name;
        Value = value;
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>The elements, shape and element type.</summary>
    public TensorValue Value { get; }

    /// <summary>The protocol datatype (<c>FP32</c>…).</summary>
    public string Datatype => InferenceDataTypes.FromElementType(Value.ElementType);

    /// <summary>The shape.</summary>
    public long[] Shape => Value.Shape;

    /// <summary>
    /// Whether the data travels as binary data (REST binary extension) rather than JSON. Decoders set it from the message;
    /// encoders honour it, and always send FP16 and BF16 as binary.
    /// </summary>
    public bool Binary { get; set; }

    /// <summary>Other parameters of the tensor (<c>binary_data_size</c> is handled by the codec and not kept here).</summary>
    public Dictionary<string, ParameterValue>? Parameters { get; set; }

    /// <summary>The tensor as the ModelKit seam sees it.</summary>
    public NamedTensor ToNamedTensor() => new(Name, Value);

    /// <summary>Wraps a named tensor (no copy).</summary>
    public static InferTensor From(NamedTensor tensor, bool binary = false) => new(tensor.Name, tensor.Value) { Binary = binary };

    /// <summary>The tensor as <c>name: DATATYPE[shape]</c>, for messages and logs (no data).</summary>
    public override string ToString() => $"{Name}: {Datatype}{TensorShape.Format(Shape)}";
}

/// <summary>An output a request asks for, and how it should come back.</summary>
public sealed class InferRequestedOutput
{
    /// <summary>Asks for output <paramref name="name"/>.</summary>
    public InferRequestedOutput(string name, bool? binaryData = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        BinaryData = binaryData;
    }

    /// <summary>The output's name.</summary>
    public string Name { get; }

    /// <summary>The <c>binary_data</c> parameter: true for binary, false for JSON, null to follow the request's <c>binary_data_output</c>.</summary>
    public bool? BinaryData { get; set; }

    /// <summary>Other parameters.</summary>
    public Dictionary<string, ParameterValue>? Parameters { get; set; }
}

/// <summary>An inference request (<c>$inference_request</c>, <c>ModelInferRequest</c>).</summary>
public sealed class InferenceRequest
{
    /// <summary>The model's name (gRPC carries it in the message; REST in the URL).</summary>
    public string? ModelName { get; set; }

    /// <summary>The model's version; null or empty means the server's choice.</summary>
    public string? ModelVersion { get; set; }

    /// <summary>An identifier the response echoes.</summary>
    public string? Id { get; set; }

    /// <summary>Other request parameters (<c>binary_data_output</c> is <see cref="BinaryDataOutput"/>).</summary>
    public Dictionary<string, ParameterValue>? Parameters { get; set; }

    /// <summary>The <c>binary_data_output</c> parameter: outputs come back binary unless an output says otherwise.</summary>
    public bool? BinaryDataOutput { get; set; }

    /// <summary>The input tensors.</summary>
    public List<InferTensor> Inputs { get; } = [];

    /// <summary>The outputs asked for; null or empty means every output.</summary>
    public List<InferRequestedOutput>? Outputs { get; set; }

    /// <summary>Whether output <paramref name="name"/> should come back binary, by the extension's rules.</summary>
    public bool WantsBinaryOutput(string name)
    {
        if (Outputs is { } outputs)
        {
            foreach (var output in outputs)
            {
                if (string.Equals(output.Name, name, StringComparison.Ordinal) && output.BinaryData is { } binary)
                {
                    return binary;
                }
            }
        }

        return BinaryDataOutput ?? false;
    }
}

/// <summary>An inference response (<c>$inference_response</c>, <c>ModelInferResponse</c>).</summary>
public sealed class InferenceResponse
{
    /// <summary>The model that answered.</summary>
    public string ModelName { get; set; } = string.Empty;

    /// <summary>The version that answered.</summary>
    public string? ModelVersion { get; set; }

    /// <summary>The request's id, if it had one.</summary>
    public string? Id { get; set; }

    /// <summary>Response parameters.</summary>
    public Dictionary<string, ParameterValue>? Parameters { get; set; }

    /// <summary>The output tensors.</summary>
    public List<InferTensor> Outputs { get; } = [];

    /// <summary>The output named <paramref name="name"/>, or null.</summary>
    public InferTensor? FindOutput(string name)
    {
        foreach (var output in Outputs)
        {
            if (string.Equals(output.Name, name, StringComparison.Ordinal))
            {
                return output;
            }
        }

        return null;
    }
}
