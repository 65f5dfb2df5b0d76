using Google.Protobuf;
using Google.Protobuf.Collections;
using ModelKit.Protocol.Memory;
using WireParameter = ModelKit.Protocol.Grpc.InferParameter;
using ParameterValue = ModelKit.Protocol.ParameterValue;

namespace ModelKit.Protocol.Grpc;

/// <summary>
/// Converts between the gRPC messages (<see cref="ModelInferRequest"/>, <see cref="ModelInferResponse"/>) and
/// <see cref="InferenceRequest"/>/<see cref="InferenceResponse"/>. Encoders always use <c>raw_input_contents</c> /
/// <c>raw_output_contents</c> wrapping the tensors' own memory (no copy); decoders accept raw contents (viewed in place) or the
/// typed <c>InferTensorContents</c> fields. Malformed messages throw <see cref="ProtocolException"/>.
/// </summary>
public static class GrpcInferenceCodec
{
    /// <summary>Decodes a request (server side).</summary>
    public static InferenceRequest DecodeRequest(ModelInferRequest message, ProtocolLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        limits ??= ProtocolLimits.Default;
        var request = new InferenceRequest
        {
            ModelName = message.ModelName,
            ModelVersion = message.ModelVersion,
            Id = message.Id.Length == 0 ? null : message.Id,
            Parameters = FromWire(message.Parameters, ProtocolNames.BinaryDataOutput, out _),
        };
        CheckCount(message.Inputs.Count, limits, "input");
        bool raw = message.RawInputContents.Count > 0;
        if (raw && message.RawInputContents.Count != message.Inputs.Count)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"The request has {message.Inputs.Count} inputs but {message.RawInputContents.Count} raw_input_contents; give one entry per input, in order.");
        }

        for (int i = 0; i < message.Inputs.Count; i++)
        {
            var input = message.Inputs[i];
            var value = DecodeTensor(input.Name, input.Datatype, input.Shape, input.Contents, raw ? message.RawInputContents[i] : null, "input", i, limits, IsBase64(input.Parameters));
            AddUnique(request.Inputs, new InferTensor(input.Name, value) { Binary = raw, Parameters = FromWire(input.Parameters, ProtocolNames.BinaryDataSize, out _) }, "input");
        }

        if (message.Outputs.Count > 0)
        {
            CheckCount(message.Outputs.Count, limits, "requested output");
            request.Outputs = new List<InferRequestedOutput>(message.Outputs.Count);
            foreach (var output in message.Outputs)
            {
                if (string.IsNullOrEmpty(output.Name))
                {
                    throw new ProtocolException(ProtocolErrorKind.MissingField, "A requested output has no name.");
                }

                if (request.Outputs.Exists(o => string.Equals(o.Name, output.Name, StringComparison.Ordinal)))
                {
                    throw new ProtocolException(ProtocolErrorKind.MissingField, $"The request asks for output '{output.Name}' twice.");
                }

                request.Outputs.Add(new InferRequestedOutput(output.Name) { Parameters = FromWire(output.Parameters, ProtocolNames.BinaryData, out _) });
            }
        }

        return request;
    }

    /// <summary>Encodes a response (server side) with <c>raw_output_contents</c>.</summary>
    public static ModelInferResponse EncodeResponse(InferenceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var message = new ModelInferResponse
        {
            ModelName = response.ModelName,
            ModelVersion = response.ModelVersion ?? string.Empty,
            Id = response.Id ?? string.Empty,
        };
        ToWire(response.Parameters, message.Parameters);
        foreach (var output in response.Outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype };
            tensor.Shape.AddRange(output.Shape);
            ToWire(output.Parameters, tensor.Parameters);
            message.Outputs.Add(tensor);
            message.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(TensorBytes.GetWireBytes(output.Value)));
        }

        return message;
    }

    /// <summary>
    /// Encodes a request (client side) with <c>raw_input_contents</c>; when every input is <see cref="TensorElementType.Binary"/>
    /// (an image to a pipeline…), with each element in <c>bytes_contents</c> instead, its memory wrapped without a copy (the protocol
    /// forbids mixing raw and typed contents in one request).
    /// </summary>
    public static ModelInferRequest EncodeRequest(InferenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new ModelInferRequest
        {
            ModelName = request.ModelName ?? string.Empty,
            ModelVersion = request.ModelVersion ?? string.Empty,
            Id = request.Id ?? string.Empty,
        };
        ToWire(request.Parameters, message.Parameters);
        bool typedBytes = request.Inputs.Count > 0 && request.Inputs.TrueForAll(static i => i.Value.ElementType == TensorElementType.Binary);
        foreach (var input in request.Inputs)
        {
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype };
            tensor.Shape.AddRange(input.Shape);
            ToWire(input.Parameters, tensor.Parameters);
            message.Inputs.Add(tensor);
            if (typedBytes)
            {
                tensor.Contents = new InferTensorContents();
                foreach (var element in input.Value.Buffer.AsSpan<ReadOnlyMemory<byte>>())
                {
                    tensor.Contents.BytesContents.Add(UnsafeByteOperations.UnsafeWrap(element));
                }
            }
            else
            {
                message.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(TensorBytes.GetWireBytes(input.Value)));
            }
        }

        if (request.Outputs is { } outputs)
        {
            foreach (var output in outputs)
            {
                var requested = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = output.Name };
                ToWire(output.Parameters, requested.Parameters);
                message.Outputs.Add(requested);
            }
        }

        return message;
    }

    /// <summary>Decodes a response (client side).</summary>
    public static InferenceResponse DecodeResponse(ModelInferResponse message, ProtocolLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        limits ??= ProtocolLimits.Default;
        var response = new InferenceResponse
        {
            ModelName = message.ModelName,
            ModelVersion = message.ModelVersion.Length == 0 ? null : message.ModelVersion,
            Id = message.Id.Length == 0 ? null : message.Id,
            Parameters = FromWire(message.Parameters, null, out _),
        };
        CheckCount(message.Outputs.Count, limits, "output");
        bool raw = message.RawOutputContents.Count > 0;
        if (raw && message.RawOutputContents.Count != message.Outputs.Count)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"The response has {message.Outputs.Count} outputs but {message.RawOutputContents.Count} raw_output_contents.");
        }

        for (int i = 0; i < message.Outputs.Count; i++)
        {
            var output = message.Outputs[i];
            var value = DecodeTensor(output.Name, output.Datatype, output.Shape, output.Contents, raw ? message.RawOutputContents[i] : null, "output", i, limits, IsBase64(output.Parameters));
            AddUnique(response.Outputs, new InferTensor(output.Name, value) { Binary = raw, Parameters = FromWire(output.Parameters, null, out _) }, "output");
        }

        return response;
    }

    /// <summary>Converts wire parameters; <paramref name="extractName"/> (if present) is returned apart, not in the dictionary.</summary>
    public static Dictionary<string, ParameterValue>? FromWire(MapField<string, WireParameter> parameters, string? extractName, out ParameterValue? extracted)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        extracted = null;
        if (parameters.Count == 0)
        {
            return null;
        }

        Dictionary<string, ParameterValue>? result = null;
        foreach (var (key, wire) in parameters)
        {
            var value = wire.ParameterChoiceCase switch
            {
                WireParameter.ParameterChoiceOneofCase.BoolParam => ParameterValue.FromBool(wire.BoolParam),
                WireParameter.ParameterChoiceOneofCase.Int64Param => ParameterValue.FromInt64(wire.Int64Param),
                WireParameter.ParameterChoiceOneofCase.StringParam => ParameterValue.FromString(wire.StringParam),
                WireParameter.ParameterChoiceOneofCase.DoubleParam => ParameterValue.FromDouble(wire.DoubleParam),
                WireParameter.ParameterChoiceOneofCase.Uint64Param => wire.Uint64Param <= long.MaxValue
                    ? ParameterValue.FromInt64((long)wire.Uint64Param)
                    : ParameterValue.FromDouble(wire.Uint64Param),
                _ => ParameterValue.FromString(string.Empty),
            };
            if (extractName is not null && string.Equals(key, extractName, StringComparison.Ordinal))
            {
                extracted = value;
                continue;
            }

            result ??= new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
            result[key] = value;
        }

        return result;
    }

    /// <summary>Copies parameters into a wire map.</summary>
    public static void ToWire(Dictionary<string, ParameterValue>? parameters, MapField<string, WireParameter> target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (parameters is null)
        {
            return;
        }

        foreach (var (key, value) in parameters)
        {
            var wire = new WireParameter();
            switch (value.Kind)
            {
                case ParameterKind.Bool:
                    value.TryGetBool(out bool b);
                    wire.BoolParam = b;
                    break;
                case ParameterKind.Int64:
                    value.TryGetInt64(out long l);
                    wire.Int64Param = l;
                    break;
                case ParameterKind.Double:
                    value.TryGetDouble(out double d);
                    wire.DoubleParam = d;
                    break;
                default:
                    wire.StringParam = value.AsString() ?? string.Empty;
                    break;
            }

            target[key] = wire;
        }
    }

    private static TensorValue DecodeTensor(string name, string datatype, RepeatedField<long> wireShape, InferTensorContents? contents, ByteString? raw, string kind, int index, ProtocolLimits limits, bool base64 = false)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ProtocolException(ProtocolErrorKind.MissingField, $"{(kind == "input" ? "Input" : "Output")} {index} has no name.");
        }

        var type = InferenceDataTypes.GetElementType(datatype, name);
        if (wireShape.Count > limits.MaxRank)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidShape, $"Tensor '{name}' has {wireShape.Count} dimensions; at most {limits.MaxRank} are accepted.");
        }

        var shape = new long[wireShape.Count];
        wireShape.CopyTo(shape, 0);
        if (raw is not null)
        {
            if (contents is not null && HasAny(contents))
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                    $"Tensor '{name}' has both typed contents and raw contents; use one.");
            }

            TensorBytes.ElementCount(name, shape, limits, long.MaxValue);
            return TensorBytes.Decode(name, type, shape, raw.Memory, limits.IsBinaryBytes(name));
        }

        // Typed contents: every element is a protobuf value, so the message size already bounds the count.
        long count = TensorBytes.ElementCount(name, shape, limits, long.MaxValue);
        contents ??= new InferTensorContents();
        return type switch
        {
            TensorElementType.Bool => Copy(name, shape, count, contents.BoolContents, static v => v),
            TensorElementType.Int8 => Copy(name, shape, count, contents.IntContents, v => checked((sbyte)Range(name, v, sbyte.MinValue, sbyte.MaxValue))),
            TensorElementType.Int16 => Copy(name, shape, count, contents.IntContents, v => checked((short)Range(name, v, short.MinValue, short.MaxValue))),
            TensorElementType.Int32 => Copy(name, shape, count, contents.IntContents, static v => v),
            TensorElementType.Int64 => Copy(name, shape, count, contents.Int64Contents, static v => v),
            TensorElementType.UInt8 => Copy(name, shape, count, contents.UintContents, v => (byte)Range(name, v, 0, byte.MaxValue)),
            TensorElementType.UInt16 => Copy(name, shape, count, contents.UintContents, v => (ushort)Range(name, v, 0, ushort.MaxValue)),
            TensorElementType.UInt32 => Copy(name, shape, count, contents.UintContents, static v => v),
            TensorElementType.UInt64 => Copy(name, shape, count, contents.Uint64Contents, static v => v),
            TensorElementType.Float => Copy(name, shape, count, contents.Fp32Contents, static v => v),
            TensorElementType.Double => Copy(name, shape, count, contents.Fp64Contents, static v => v),
            TensorElementType.String when base64 => Copy(name, shape, count, contents.BytesContents, static v => FromBase64(v.Span)),
            TensorElementType.String => limits.IsBinaryBytes(name)
                ? Copy(name, shape, count, contents.BytesContents, static v => v.Memory) // ByteStrings are immutable: views, no copy
                : Copy(name, shape, count, contents.BytesContents, v => TensorBytes.DecodeUtf8(name, v.Span)),
            _ => throw new ProtocolException(ProtocolErrorKind.Unsupported,
                $"Tensor '{name}' is {datatype}, which has no typed contents field; send it in raw contents."),
        };
    }

    /// <summary>
    /// Whether a tensor says <c>"content_type": "base64"</c>: MLServer's <c>Base64Codec</c> over gRPC, whose <c>bytes_contents</c> hold
    /// base64 text (decoded to the bytes; the tensor is then binary, as the same parameter makes it in REST JSON).
    /// </summary>
    private static bool IsBase64(MapField<string, WireParameter> parameters) =>
        parameters.TryGetValue(ProtocolNames.ContentType, out var contentType)
        && string.Equals(contentType.StringParam, ProtocolNames.Base64ContentType, StringComparison.Ordinal);

    /// <summary>One base64 element's bytes; an element that is not base64 is kept as it is (as MLServer's own decoder does).</summary>
    private static ReadOnlyMemory<byte> FromBase64(ReadOnlySpan<byte> text)
    {
        var bytes = new byte[System.Buffers.Text.Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        return System.Buffers.Text.Base64.DecodeFromUtf8(text, bytes, out int consumed, out int written) == System.Buffers.OperationStatus.Done && consumed == text.Length
            ? bytes.AsMemory(0, written)
            : text.ToArray();
    }

    private static long Range(string name, long value, long min, long max) =>
        value >= min && value <= max
            ? value
            : throw new ProtocolException(ProtocolErrorKind.InvalidValue, $"Tensor '{name}': element {value} is out of range [{min}, {max}].");

    private static TensorValue Copy<TWire, T>(string name, long[] shape, long count, RepeatedField<TWire> source, Func<TWire, T> convert)
    {
        if (source.Count != count)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{name}': shape {TensorShape.Format(shape)} needs {count} elements but its contents hold {source.Count}.");
        }

        var data = new T[count];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = convert(source[i]);
        }

        return new TensorValue(shape, TensorBuffer.FromArray(data));
    }

    private static bool HasAny(InferTensorContents contents) =>
        contents.BoolContents.Count + contents.IntContents.Count + contents.Int64Contents.Count + contents.UintContents.Count
        + contents.Uint64Contents.Count + contents.Fp32Contents.Count + contents.Fp64Contents.Count + contents.BytesContents.Count > 0;

    private static void CheckCount(int count, ProtocolLimits limits, string kind)
    {
        if (count > limits.MaxTensors)
        {
            throw new ProtocolException(ProtocolErrorKind.LimitExceeded, $"The message has {count} {kind} tensors; at most {limits.MaxTensors} are accepted.");
        }
    }

    private static void AddUnique(List<InferTensor> tensors, InferTensor tensor, string kind)
    {
        foreach (var other in tensors)
        {
            if (string.Equals(other.Name, tensor.Name, StringComparison.Ordinal))
            {
                throw new ProtocolException(ProtocolErrorKind.MissingField, $"The message names {kind} '{tensor.Name}' twice.");
            }
        }

        tensors.Add(tensor);
    }
}
