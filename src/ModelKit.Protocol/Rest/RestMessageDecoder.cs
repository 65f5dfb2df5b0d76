using System.Text.Json;
using ModelKit.Protocol.Memory;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// One decoder for both REST inference messages: <c>$inference_request</c> and <c>$inference_response</c> share their tensor,
/// shape, parameter and binary-framing rules and differ only in the few top-level fields a <see cref="RestMessageShape"/> names.
/// Decoded JSON data lands directly in typed arrays; binary data becomes a view over the body array.
/// </summary>
internal static class RestMessageDecoder
{
    public static InferenceRequest DecodeRequest(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits)
    {
        var message = Decode(body, inferenceHeaderContentLength, limits ?? ProtocolLimits.Default, RestMessageShape.Request);
        var request = new InferenceRequest
        {
            Id = message.Id,
            ModelName = message.ModelName,
            ModelVersion = message.ModelVersion,
            Parameters = message.Parameters,
            BinaryDataOutput = message.Flag is { } flag ? RestParameters.ToBool(flag, ProtocolNames.BinaryDataOutput) : null,
            Outputs = message.RequestedOutputs,
        };
        foreach (var tensor in message.Tensors)
        {
            request.Inputs.Add(tensor.ToInferTensor());
        }

        return request;
    }

    public static InferenceResponse DecodeResponse(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits)
    {
        var message = Decode(body, inferenceHeaderContentLength, limits ?? ProtocolLimits.Default, RestMessageShape.Response);
        var response = new InferenceResponse
        {
            Id = message.Id,
            ModelName = message.ModelName ?? string.Empty,
            ModelVersion = message.ModelVersion,
            Parameters = message.Parameters,
        };
        foreach (var tensor in message.Tensors)
        {
            response.Outputs.Add(tensor.ToInferTensor());
        }

        return response;
    }

    private static DecodedMessage Decode(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits limits, RestMessageShape shape)
    {
        var (array, offset, length) = BinaryDataFraming.GetArray(body);
        int jsonLength = BinaryDataFraming.JsonLength(inferenceHeaderContentLength, length);
        var message = new DecodedMessage();
        bool sawTensors = false;
        try
        {
            var reader = new Utf8JsonReader(array.AsSpan(offset, jsonLength), new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
            RestJson.ExpectObject(ref reader, $"The {shape.Name} body must be a JSON object ({shape.JsonName})");
            while (RestJson.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals(shape.TensorsProperty))
                {
                    reader.Read();
                    sawTensors = true;
                    ReadTensors(ref reader, shape, jsonLength, limits, message.Tensors);
                }
                else if (shape.HasRequestedOutputs && reader.ValueTextEquals("outputs"u8))
                {
                    reader.Read();
                    message.RequestedOutputs = ReadRequestedOutputs(ref reader, limits);
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    message.Id = shape.Lenient ? RestJson.ReadOptionalString(ref reader, "\"id\"") : RestJson.ReadString(ref reader, "\"id\"");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    reader.Read();
                    message.Parameters = RestParameters.Read(ref reader, "the " + shape.Name, shape.ParameterFlag, out message.Flag, shape.Lenient);
                }
                else if (reader.ValueTextEquals("model_name"u8))
                {
                    reader.Read();
                    message.ModelName = shape.Lenient ? RestJson.ReadOptionalString(ref reader, "\"model_name\"") : RestJson.ReadStringOrSkip(ref reader);
                }
                else if (reader.ValueTextEquals("model_version"u8))
                {
                    reader.Read();
                    message.ModelVersion = shape.Lenient ? RestJson.ReadOptionalString(ref reader, "\"model_version\"") : RestJson.ReadStringOrSkip(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            RestJson.ExpectEnd(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ProtocolException(ProtocolErrorKind.MalformedJson, $"The {shape.Name} body is not valid JSON: {ex.Message}", ex);
        }

        if (shape.TensorsRequired && !sawTensors)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"The {shape.Name} has no \"{shape.TensorsPropertyName}\" array.");
        }

        BinaryDataFraming.Attach(message.Tensors, array, offset + jsonLength, length - jsonLength, inferenceHeaderContentLength is not null, shape.TensorKind, limits);
        return message;
    }

    private static void ReadTensors(ref Utf8JsonReader reader, RestMessageShape shape, int jsonLength, ProtocolLimits limits, List<PendingTensor> pending)
    {
        string property = shape.TensorsPropertyName;
        string kind = shape.TensorKind;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw RestJson.Malformed($"\"{property}\" must be an array of tensor objects.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (pending.Count >= limits.MaxTensors)
            {
                throw new ProtocolException(ProtocolErrorKind.LimitExceeded, $"The message has more than {limits.MaxTensors} {kind} tensors.");
            }

            var tensor = ReadTensor(ref reader, kind, pending.Count, jsonLength, limits, shape.Lenient, shape.UnmarkedBinaryIsText);
            foreach (var other in pending)
            {
                if (string.Equals(other.Name, tensor.Name, StringComparison.Ordinal))
                {
                    throw new ProtocolException(ProtocolErrorKind.MissingField, $"The message names {kind} '{tensor.Name}' twice.");
                }
            }

            pending.Add(tensor);
        }
    }

    private static PendingTensor ReadTensor(ref Utf8JsonReader reader, string kind, int index, int jsonLength, ProtocolLimits limits, bool lenient, bool unmarkedBinaryIsText)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw RestJson.Malformed($"{RestJson.Capitalize(kind)} {index} must be a JSON object with \"name\", \"shape\", \"datatype\" and \"data\".");
        }

        string? name = null;
        string? datatype = null;
        long[]? shape = null;
        Dictionary<string, ParameterValue>? parameters = null;
        ParameterValue? binarySizeParameter = null;
        bool hasData = false;
        Utf8JsonReader dataReader = default;
        while (RestJson.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = RestJson.ReadString(ref reader, $"the name of {kind} {index}");
            }
            else if (reader.ValueTextEquals("datatype"u8))
            {
                reader.Read();
                datatype = RestJson.ReadString(ref reader, $"the datatype of {kind} {index}");
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                shape = ReadShape(ref reader, kind, index, limits);
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                parameters = RestParameters.Read(ref reader, $"{kind} {index}", ProtocolNames.BinaryDataSize, out binarySizeParameter, lenient);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                hasData = true;
                dataReader = reader;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        string label = RestJson.Capitalize(name is null ? $"{kind} {index}" : $"{kind} '{name}'");
        if (name is null || name.Length == 0)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{label} has no \"name\".");
        }

        if (datatype is null)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{label} has no \"datatype\".");
        }

        if (shape is null)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{label} has no \"shape\".");
        }

        var type = InferenceDataTypes.GetElementType(datatype, name);
        long? binarySize = null;
        if (binarySizeParameter is { } sizeParameter)
        {
            if (!sizeParameter.TryGetInt64(out long size) || size < 0)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                    $"{label}: \"{ProtocolNames.BinaryDataSize}\" must be a non-negative integer (got {sizeParameter}).");
            }

            binarySize = size;
        }

        if (hasData && binarySize is not null)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"{label} has both \"data\" and \"{ProtocolNames.BinaryDataSize}\"; send its elements one way.");
        }

        var tensor = new PendingTensor(name, type, shape, parameters, binarySize);
        if (binarySize is null)
        {
            if (!hasData)
            {
                throw new ProtocolException(ProtocolErrorKind.MissingField,
                    $"{label} has neither \"data\" nor a \"{ProtocolNames.BinaryDataSize}\" parameter.");
            }

            // Each JSON element takes at least one byte, so a shape larger than the JSON cannot be satisfied: fail before allocating.
            long count = TensorBytes.ElementCount(name, shape, limits, jsonLength);
            bool marked = parameters?.TryGetValue(ProtocolNames.ContentType, out var contentType) == true
                && string.Equals(contentType.AsString(), ProtocolNames.Base64ContentType, StringComparison.Ordinal);
            bool wanted = limits.IsBinaryBytes(name);
            tensor.Value = type != TensorElementType.String || !(marked || wanted)
                ? JsonTensorData.Read(ref dataReader, name, type, shape, (int)count)
                : marked || !unmarkedBinaryIsText
                    ? JsonTensorData.ReadBase64(ref dataReader, name, shape, (int)count)
                    // A binary output the sender wrote as JSON text without saying base64 (Triton, KServe): the text's UTF-8 bytes.
                    : JsonTensorData.ReadUtf8Bytes(ref dataReader, name, shape, (int)count);
        }

        return tensor;
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string kind, int index, ProtocolLimits limits)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw RestJson.Malformed($"The shape of {kind} {index} must be an array of non-negative integers.");
        }

        Span<long> dims = stackalloc long[Math.Min(limits.MaxRank, 64)];
        int rank = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long dim) || dim < 0)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidShape,
                    $"The shape of {kind} {index} must hold non-negative integers.");
            }

            if (rank >= dims.Length)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidShape,
                    $"The shape of {kind} {index} has more than {dims.Length} dimensions.");
            }

            dims[rank++] = dim;
        }

        return dims[..rank].ToArray();
    }

    private static List<InferRequestedOutput> ReadRequestedOutputs(ref Utf8JsonReader reader, ProtocolLimits limits)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw RestJson.Malformed("\"outputs\" must be an array of objects with a \"name\".");
        }

        var outputs = new List<InferRequestedOutput>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (outputs.Count >= limits.MaxTensors)
            {
                throw new ProtocolException(ProtocolErrorKind.LimitExceeded, $"The request asks for more than {limits.MaxTensors} outputs.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw RestJson.Malformed($"Requested output {outputs.Count} must be an object with a \"name\".");
            }

            string? name = null;
            Dictionary<string, ParameterValue>? parameters = null;
            ParameterValue? binary = null;
            while (RestJson.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = RestJson.ReadString(ref reader, $"the name of requested output {outputs.Count}");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    reader.Read();
                    parameters = RestParameters.Read(ref reader, $"requested output {outputs.Count}", ProtocolNames.BinaryData, out binary);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (string.IsNullOrEmpty(name))
            {
                throw new ProtocolException(ProtocolErrorKind.MissingField, $"Requested output {outputs.Count} has no \"name\".");
            }

            foreach (var other in outputs)
            {
                if (string.Equals(other.Name, name, StringComparison.Ordinal))
                {
                    throw new ProtocolException(ProtocolErrorKind.MissingField, $"The request asks for output '{name}' twice.");
                }
            }

            outputs.Add(new InferRequestedOutput(name, binary is { } b ? RestParameters.ToBool(b, ProtocolNames.BinaryData) : null) { Parameters = parameters });
        }

        return outputs;
    }

    /// <summary>What both messages hold once decoded.</summary>
    private sealed class DecodedMessage
    {
        public string? Id;
        public string? ModelName;
        public string? ModelVersion;
        public Dictionary<string, ParameterValue>? Parameters;
        public ParameterValue? Flag;
        public List<InferRequestedOutput>? RequestedOutputs;

        public List<PendingTensor> Tensors { get; } = [];
    }
}

/// <summary>How a request and a response differ on the wire: the few top-level fields the shared decoder treats differently.</summary>
internal sealed class RestMessageShape
{
    public static readonly RestMessageShape Request = new()
    {
        Name = "request",
        JsonName = "$inference_request",
        TensorsPropertyName = "inputs",
        TensorsProperty = "inputs"u8.ToArray(),
        TensorKind = "input",
        TensorsRequired = true,
        HasRequestedOutputs = true,
        ParameterFlag = ProtocolNames.BinaryDataOutput,
        Lenient = false,
        UnmarkedBinaryIsText = false,
    };

    public static readonly RestMessageShape Response = new()
    {
        Name = "response",
        JsonName = "$inference_response",
        TensorsPropertyName = "outputs",
        TensorsProperty = "outputs"u8.ToArray(),
        TensorKind = "output",
        TensorsRequired = false,
        HasRequestedOutputs = false,
        ParameterFlag = null,
        Lenient = true,
        UnmarkedBinaryIsText = true,
    };

    /// <summary>
    /// How a JSON BYTES tensor named in <see cref="ProtocolLimits.BinaryBytesTensors"/> reads without <c>"content_type": "base64"</c>:
    /// a request's as base64 (the server's rule for its binary inputs), a response's as its text's UTF-8 bytes (servers that write
    /// BYTES outputs as JSON strings — Triton, KServe — say nothing, and their text is the bytes).
    /// </summary>
    public required bool UnmarkedBinaryIsText { get; init; }

    /// <summary><c>request</c> or <c>response</c>, for messages.</summary>
    public required string Name { get; init; }

    /// <summary>The protocol's name of the JSON object.</summary>
    public required string JsonName { get; init; }

    /// <summary>The property that holds the tensors: <c>inputs</c> or <c>outputs</c>.</summary>
    public required string TensorsPropertyName { get; init; }

    public required byte[] TensorsProperty { get; init; }

    /// <summary><c>input</c> or <c>output</c>, for messages.</summary>
    public required string TensorKind { get; init; }

    public required bool TensorsRequired { get; init; }

    /// <summary>Whether <c>outputs</c> lists requested outputs (the request).</summary>
    public required bool HasRequestedOutputs { get; init; }

    /// <summary>The message-level flag parameter pulled out of <c>parameters</c>, if any.</summary>
    public required string? ParameterFlag { get; init; }

    /// <summary>
    /// Whether the message is read the way a client reads what other servers send (the response): <c>id</c>,
    /// <c>model_name</c> and <c>model_version</c> may be null (KServe writes <c>"model_version": null</c>) or a number, and
    /// parameter values the protocol does not define (null, objects, arrays) are skipped. A request (the server's side)
    /// keeps its strict checks on <c>id</c> and parameters and ignores non-string model fields.
    /// </summary>
    public required bool Lenient { get; init; }
}
