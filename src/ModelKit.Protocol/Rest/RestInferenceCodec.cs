using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelKit.Protocol.Memory;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// Encodes and decodes REST inference bodies: JSON (<c>$inference_request</c>, <c>$inference_response</c>) and the binary
/// tensor data extension (a JSON header of <c>Inference-Header-Content-Length</c> bytes followed by each binary tensor's
/// <c>binary_data_size</c> bytes, in tensor order). Decoded JSON data lands directly in typed arrays; binary data becomes a
/// view over the body array (keep the body alive and unchanged while the tensors are used). Malformed input throws
/// <see cref="ProtocolException"/>.
/// </summary>
public static class RestInferenceCodec
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Parses the <c>Inference-Header-Content-Length</c> header value: null when absent; throws <see cref="ProtocolException"/>
    /// when it is not a non-negative integer.
    /// </summary>
    public static long? ParseInferenceHeaderContentLength(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            return length;
        }

        throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
            $"The {ProtocolNames.InferenceHeaderContentLength} header must be the JSON header's length in bytes, a non-negative integer (got '{Truncate(value)}').");
    }

    /// <summary>Decodes a request body.</summary>
    /// <param name="body">The whole body. Binary tensors are views over it when it is array-backed.</param>
    /// <param name="inferenceHeaderContentLength">The <c>Inference-Header-Content-Length</c> header, or null when the body is JSON only.</param>
    /// <param name="limits">Limits; <see cref="ProtocolLimits.Default"/> when null.</param>
    public static InferenceRequest DecodeRequest(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits = null)
    {
        limits ??= ProtocolLimits.Default;
        var (array, offset, length) = GetArray(body);
        int jsonLength = JsonLength(inferenceHeaderContentLength, length);
        var request = new InferenceRequest();
        var pending = new List<PendingTensor>();
        bool sawInputs = false;
        try
        {
            var reader = new Utf8JsonReader(array.AsSpan(offset, jsonLength), new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
            ExpectObject(ref reader, "The request body must be a JSON object ($inference_request)");
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    request.Id = ReadString(ref reader, "\"id\"");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    reader.Read();
                    request.Parameters = ReadParameters(ref reader, "the request", ProtocolNames.BinaryDataOutput, out var binaryOutput);
                    request.BinaryDataOutput = binaryOutput is { } value ? ToBool(value, ProtocolNames.BinaryDataOutput) : null;
                }
                else if (reader.ValueTextEquals("inputs"u8))
                {
                    reader.Read();
                    sawInputs = true;
                    ReadTensors(ref reader, "inputs", "input", jsonLength, limits, pending);
                }
                else if (reader.ValueTextEquals("outputs"u8))
                {
                    reader.Read();
                    request.Outputs = ReadRequestedOutputs(ref reader, limits);
                }
                else if (reader.ValueTextEquals("model_name"u8))
                {
                    reader.Read();
                    request.ModelName = reader.TokenType == JsonTokenType.String ? reader.GetString() : SkipValue(ref reader);
                }
                else if (reader.ValueTextEquals("model_version"u8))
                {
                    reader.Read();
                    request.ModelVersion = reader.TokenType == JsonTokenType.String ? reader.GetString() : SkipValue(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            ExpectEnd(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ProtocolException(ProtocolErrorKind.MalformedJson, $"The request body is not valid JSON: {ex.Message}", ex);
        }

        if (!sawInputs)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, "The request has no \"inputs\" array.");
        }

        AttachBinary(pending, array, offset + jsonLength, length - jsonLength, inferenceHeaderContentLength is not null, "input");
        foreach (var tensor in pending)
        {
            request.Inputs.Add(tensor.ToInferTensor());
        }

        return request;
    }

    /// <summary>Decodes a response body (the remote client's side).</summary>
    public static InferenceResponse DecodeResponse(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits = null)
    {
        limits ??= ProtocolLimits.Default;
        var (array, offset, length) = GetArray(body);
        int jsonLength = JsonLength(inferenceHeaderContentLength, length);
        var response = new InferenceResponse();
        var pending = new List<PendingTensor>();
        try
        {
            var reader = new Utf8JsonReader(array.AsSpan(offset, jsonLength), new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
            ExpectObject(ref reader, "The response body must be a JSON object ($inference_response)");
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("model_name"u8))
                {
                    reader.Read();
                    response.ModelName = ReadString(ref reader, "\"model_name\"");
                }
                else if (reader.ValueTextEquals("model_version"u8))
                {
                    reader.Read();
                    response.ModelVersion = ReadString(ref reader, "\"model_version\"");
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    response.Id = ReadString(ref reader, "\"id\"");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    reader.Read();
                    response.Parameters = ReadParameters(ref reader, "the response", null, out _);
                }
                else if (reader.ValueTextEquals("outputs"u8))
                {
                    reader.Read();
                    ReadTensors(ref reader, "outputs", "output", jsonLength, limits, pending);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            ExpectEnd(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new ProtocolException(ProtocolErrorKind.MalformedJson, $"The response body is not valid JSON: {ex.Message}", ex);
        }

        AttachBinary(pending, array, offset + jsonLength, length - jsonLength, inferenceHeaderContentLength is not null, "output");
        foreach (var tensor in pending)
        {
            response.Outputs.Add(tensor.ToInferTensor());
        }

        return response;
    }

    /// <summary>
    /// Encodes a request: inputs with <see cref="InferTensor.Binary"/> set (and every FP16/BF16 input) as binary data, the
    /// others as JSON; requested outputs with their <c>binary_data</c>; <c>binary_data_output</c> from the request.
    /// </summary>
    public static EncodedMessage EncodeRequest(InferenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var json = new PooledBufferWriter(512);
        var segments = new List<ReadOnlyMemory<byte>>();
        try
        {
            var writer = RentWriter(json);
            writer.WriteStartObject();
            if (request.Id is { } id)
            {
                writer.WriteString("id"u8, id);
            }

            WriteParametersWithFlag(writer, request.Parameters, ProtocolNames.BinaryDataOutput, request.BinaryDataOutput);
            writer.WritePropertyName("inputs"u8);
            writer.WriteStartArray();
            foreach (var input in request.Inputs)
            {
                WriteTensor(writer, input, segments);
            }

            writer.WriteEndArray();
            if (request.Outputs is { Count: > 0 } outputs)
            {
                writer.WritePropertyName("outputs"u8);
                writer.WriteStartArray();
                foreach (var output in outputs)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name"u8, output.Name);
                    WriteParametersWithFlag(writer, output.Parameters, ProtocolNames.BinaryData, output.BinaryData);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.Flush();
            return Finish(json, segments);
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    /// <summary>Encodes a response: outputs with <see cref="InferTensor.Binary"/> set (and every FP16/BF16 output) as binary data.</summary>
    public static EncodedMessage EncodeResponse(InferenceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var json = new PooledBufferWriter(512);
        var segments = new List<ReadOnlyMemory<byte>>();
        try
        {
            var writer = RentWriter(json);
            writer.WriteStartObject();
            writer.WriteString("model_name"u8, response.ModelName);
            if (!string.IsNullOrEmpty(response.ModelVersion))
            {
                writer.WriteString("model_version"u8, response.ModelVersion);
            }

            if (response.Id is { } id)
            {
                writer.WriteString("id"u8, id);
            }

            WriteParameters(writer, response.Parameters, null, (ParameterValue?)null);
            writer.WritePropertyName("outputs"u8);
            writer.WriteStartArray();
            foreach (var output in response.Outputs)
            {
                WriteTensor(writer, output, segments);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            return Finish(json, segments);
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    private static EncodedMessage Finish(PooledBufferWriter json, List<ReadOnlyMemory<byte>> segments)
    {
        if (segments.Count > 0)
        {
            // Trailing spaces are valid JSON; padding to 8 bytes lets the receiver view binary data in place.
            int pad = (8 - (json.WrittenCount % 8)) % 8;
            if (pad > 0)
            {
                json.GetSpan(pad)[..pad].Fill((byte)' ');
                json.Advance(pad);
            }
        }

        return new EncodedMessage(json, segments);
    }

    private static Utf8JsonWriter RentWriter(PooledBufferWriter json)
    {
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(json, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            t_writer = writer;
        }
        else
        {
            writer.Reset(json);
        }

        return writer;
    }

    private static void WriteTensor(Utf8JsonWriter writer, InferTensor tensor, List<ReadOnlyMemory<byte>> segments)
    {
        bool binary = tensor.Binary || InferenceDataTypes.RequiresBinary(tensor.Value.ElementType);
        writer.WriteStartObject();
        writer.WriteString("name"u8, tensor.Name);
        writer.WriteString("datatype"u8, tensor.Datatype);
        writer.WritePropertyName("shape"u8);
        writer.WriteStartArray();
        foreach (long dim in tensor.Shape)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        if (binary)
        {
            var bytes = TensorBytes.GetWireBytes(tensor.Value);
            segments.Add(bytes);
            WriteParameters(writer, tensor.Parameters, ProtocolNames.BinaryDataSize, ParameterValue.FromInt64(bytes.Length));
        }
        else
        {
            WriteParameters(writer, tensor.Parameters, null, (ParameterValue?)null);
            writer.WritePropertyName("data"u8);
            JsonTensorData.Write(writer, tensor.Value);
        }

        writer.WriteEndObject();
    }

    private static void WriteParameters(Utf8JsonWriter writer, Dictionary<string, ParameterValue>? parameters, string? extraName, ParameterValue? extra)
    {
        bool hasOthers = false;
        if (parameters is not null)
        {
            foreach (var key in parameters.Keys)
            {
                if (!string.Equals(key, extraName, StringComparison.Ordinal))
                {
                    hasOthers = true;
                    break;
                }
            }
        }

        if (!hasOthers && extra is null)
        {
            return;
        }

        writer.WritePropertyName("parameters"u8);
        writer.WriteStartObject();
        if (parameters is not null)
        {
            foreach (var (key, value) in parameters)
            {
                if (string.Equals(key, extraName, StringComparison.Ordinal))
                {
                    continue;
                }

                writer.WritePropertyName(key);
                value.Write(writer);
            }
        }

        if (extra is { } extraValue)
        {
            writer.WritePropertyName(extraName!);
            extraValue.Write(writer);
        }

        writer.WriteEndObject();
    }

    private static void WriteParametersWithFlag(Utf8JsonWriter writer, Dictionary<string, ParameterValue>? parameters, string extraName, bool? extra) =>
        WriteParameters(writer, parameters, extraName, extra is { } value ? ParameterValue.FromBool(value) : (ParameterValue?)null);

    private static void ReadTensors(ref Utf8JsonReader reader, string property, string kind, int jsonLength, ProtocolLimits limits, List<PendingTensor> pending)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed($"\"{property}\" must be an array of tensor objects.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (pending.Count >= limits.MaxTensors)
            {
                throw new ProtocolException(ProtocolErrorKind.LimitExceeded, $"The message has more than {limits.MaxTensors} {kind} tensors.");
            }

            var tensor = ReadTensor(ref reader, kind, pending.Count, jsonLength, limits);
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

    private static PendingTensor ReadTensor(ref Utf8JsonReader reader, string kind, int index, int jsonLength, ProtocolLimits limits)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed($"{Capitalize(kind)} {index} must be a JSON object with \"name\", \"shape\", \"datatype\" and \"data\".");
        }

        string? name = null;
        string? datatype = null;
        long[]? shape = null;
        Dictionary<string, ParameterValue>? parameters = null;
        ParameterValue? binarySizeParameter = null;
        bool hasData = false;
        Utf8JsonReader dataReader = default;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = ReadString(ref reader, $"the name of {kind} {index}");
            }
            else if (reader.ValueTextEquals("datatype"u8))
            {
                reader.Read();
                datatype = ReadString(ref reader, $"the datatype of {kind} {index}");
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                shape = ReadShape(ref reader, kind, index, limits);
            }
            else if (reader.ValueTextEquals("parameters"u8))
            {
                reader.Read();
                parameters = ReadParameters(ref reader, $"{kind} {index}", ProtocolNames.BinaryDataSize, out binarySizeParameter);
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

        string label = name is null ? $"{kind} {index}" : $"{kind} '{name}'";
        if (name is null || name.Length == 0)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{Capitalize(label)} has no \"name\".");
        }

        if (datatype is null)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{Capitalize(label)} has no \"datatype\".");
        }

        if (shape is null)
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{Capitalize(label)} has no \"shape\".");
        }

        var type = InferenceDataTypes.GetElementType(datatype, name);
        long? binarySize = null;
        if (binarySizeParameter is { } sizeParameter)
        {
            if (!sizeParameter.TryGetInt64(out long size) || size < 0)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                    $"{Capitalize(label)}: \"{ProtocolNames.BinaryDataSize}\" must be a non-negative integer (got {sizeParameter}).");
            }

            binarySize = size;
        }

        if (hasData && binarySize is not null)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"{Capitalize(label)} has both \"data\" and \"{ProtocolNames.BinaryDataSize}\"; send its elements one way.");
        }

        var tensor = new PendingTensor(name, type, shape, parameters, binarySize);
        if (binarySize is null)
        {
            if (!hasData)
            {
                throw new ProtocolException(ProtocolErrorKind.MissingField,
                    $"{Capitalize(label)} has neither \"data\" nor a \"{ProtocolNames.BinaryDataSize}\" parameter.");
            }

            // Each JSON element takes at least one byte, so a shape larger than the JSON cannot be satisfied: fail before allocating.
            long count = TensorBytes.ElementCount(name, shape, limits, jsonLength);
            tensor.Value = JsonTensorData.Read(ref dataReader, name, type, shape, (int)count);
        }

        return tensor;
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string kind, int index, ProtocolLimits limits)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed($"The shape of {kind} {index} must be an array of non-negative integers.");
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
            throw Malformed("\"outputs\" must be an array of objects with a \"name\".");
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
                throw Malformed($"Requested output {outputs.Count} must be an object with a \"name\".");
            }

            string? name = null;
            Dictionary<string, ParameterValue>? parameters = null;
            ParameterValue? binary = null;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    reader.Read();
                    name = ReadString(ref reader, $"the name of requested output {outputs.Count}");
                }
                else if (reader.ValueTextEquals("parameters"u8))
                {
                    reader.Read();
                    parameters = ReadParameters(ref reader, $"requested output {outputs.Count}", ProtocolNames.BinaryData, out binary);
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

            outputs.Add(new InferRequestedOutput(name, binary is { } b ? ToBool(b, ProtocolNames.BinaryData) : null) { Parameters = parameters });
        }

        return outputs;
    }

    private static Dictionary<string, ParameterValue>? ReadParameters(ref Utf8JsonReader reader, string owner, string? extractName, out ParameterValue? extracted)
    {
        extracted = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed($"The parameters of {owner} must be a JSON object.");
        }

        Dictionary<string, ParameterValue>? parameters = null;
        while (NextProperty(ref reader))
        {
            string key = reader.GetString()!;
            reader.Read();
            var value = ParameterValue.Read(ref reader, key);
            if (extractName is not null && string.Equals(key, extractName, StringComparison.Ordinal))
            {
                extracted = value;
                continue;
            }

            parameters ??= new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
            parameters[key] = value;
        }

        return parameters;
    }

    private static bool ToBool(ParameterValue value, string name) =>
        value.TryGetBool(out bool result)
            ? result
            : throw new ProtocolException(ProtocolErrorKind.InvalidValue, $"Parameter \"{name}\" must be a boolean (got {value}).");

    private static void AttachBinary(List<PendingTensor> pending, byte[] array, int start, int available, bool hasHeader, string kind)
    {
        long needed = 0;
        foreach (var tensor in pending)
        {
            if (tensor.BinarySize is { } size)
            {
                needed += size;
            }
        }

        if (!hasHeader)
        {
            if (needed > 0 || pending.Exists(static t => t.BinarySize is not null))
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                    $"Some {kind}s give \"{ProtocolNames.BinaryDataSize}\" but the message has no {ProtocolNames.InferenceHeaderContentLength} header telling where the JSON ends.");
            }

            return;
        }

        if (needed != available)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"The {kind}s' \"{ProtocolNames.BinaryDataSize}\" add up to {needed} bytes but {available} bytes follow the {ProtocolNames.InferenceHeaderContentLength} JSON header.");
        }

        int position = start;
        foreach (var tensor in pending)
        {
            if (tensor.BinarySize is { } size)
            {
                tensor.Value = TensorBytes.Decode(tensor.Name, tensor.Type, tensor.Shape, array, position, (int)size);
                tensor.Binary = true;
                position += (int)size;
            }
        }
    }

    private static (byte[] Array, int Offset, int Length) GetArray(ReadOnlyMemory<byte> body)
    {
        if (MemoryMarshal.TryGetArray(body, out ArraySegment<byte> segment))
        {
            return (segment.Array!, segment.Offset, segment.Count);
        }

        var copy = body.ToArray();
        return (copy, 0, copy.Length);
    }

    private static int JsonLength(long? headerLength, int bodyLength)
    {
        if (headerLength is not { } length)
        {
            return bodyLength;
        }

        if (length <= 0 || length > bodyLength)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"{ProtocolNames.InferenceHeaderContentLength} is {length} but the body has {bodyLength} bytes; it must give the length of the JSON part, between 1 and the body's length.");
        }

        return (int)length;
    }

    private static void ExpectObject(ref Utf8JsonReader reader, string message)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed(message + ".");
        }
    }

    private static void ExpectEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw Malformed("Unexpected content after the JSON object.");
        }
    }

    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Malformed("The JSON ends inside an object.");
        }

        return reader.TokenType == JsonTokenType.PropertyName;
    }

    private static string ReadString(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Malformed($"{Capitalize(what)} must be a string.");

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static ProtocolException Malformed(string message) => new(ProtocolErrorKind.MalformedJson, message);

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "…" : text;

    private sealed class PendingTensor(string name, TensorElementType type, long[] shape, Dictionary<string, ParameterValue>? parameters, long? binarySize)
    {
        public string Name { get; } = name;

        public TensorElementType Type { get; } = type;

        public long[] Shape { get; } = shape;

        public long? BinarySize { get; } = binarySize;

        public TensorValue Value { get; set; }

        public bool Binary { get; set; }

        public InferTensor ToInferTensor() => new(Name, Value) { Binary = Binary, Parameters = parameters };
    }
}
