using System.Buffers;
using System.Text;
using System.Text.Json;
using ModelKit.Protocol;

namespace ModelKit.Server;

/// <summary>
/// Checks what an inference request declares — input names, datatypes, shapes, how many entries it carries — against the model
/// and the limits <em>before</em> the request is decoded, so memory is spent only on what the model can legitimately take: a
/// 60 MiB JSON body of BYTES for a FP32 model is refused without decoding a string, and a gRPC message of 20 million one-byte
/// <c>bytes_contents</c> entries for a 784-element input is refused without parsing it into 20 million objects.
/// </summary>
internal static class RequestPreflight
{
    private const int MaxNameBytes = 1024;

    /// <summary>Checks one declared input against the served model; throws the same errors the full checks would.</summary>
    public static void CheckInput(ServedModelVersion served, string name, string datatype, ReadOnlySpan<long> shape, ProtocolLimits limits)
    {
        int index = served.Signature.IndexOfInput(name);
        if (index < 0)
        {
            throw new InferenceRequestException("unknown_input",
                $"Model '{served.Name}' has no input '{name}'; its inputs are {ModelServer.Describe(served.Signature.Inputs)}.");
        }

        var info = served.Signature.Inputs[index];
        var type = InferenceDataTypes.GetElementType(datatype, name);
        if (type != info.ElementType && !(type == TensorElementType.String && info.ElementType == TensorElementType.Binary))
        {
            throw new InferenceRequestException("datatype_mismatch",
                $"Input '{info.Name}' is {datatype} but model '{served.Name}' expects {InferenceDataTypes.FromElementType(info.ElementType)}.");
        }

        if (!TensorShape.Matches(info.Shape, shape))
        {
            throw new InferenceRequestException("shape_mismatch",
                $"Input '{info.Name}' has shape {TensorShape.Format(shape)} but model '{served.Name}' expects {TensorShape.Format(info.Shape)} (-1: any size).");
        }

        _ = ElementCount(name, shape, limits);
    }

    /// <summary>The element count of <paramref name="shape"/>, refused above <see cref="ProtocolLimits.MaxElementsPerTensor"/>.</summary>
    public static long ElementCount(string name, ReadOnlySpan<long> shape, ProtocolLimits limits)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidShape, $"Input '{name}' has a negative dimension in shape {TensorShape.Format(shape)}.");
            }

            if (dim != 0 && count > limits.MaxElementsPerTensor / dim)
            {
                count = long.MaxValue;
                break;
            }

            count *= dim;
        }

        if (count > limits.MaxElementsPerTensor)
        {
            throw new ProtocolException(ProtocolErrorKind.LimitExceeded,
                $"Input '{name}' has shape {TensorShape.Format(shape)}: more than the {limits.MaxElementsPerTensor} elements a tensor may hold.");
        }

        return count;
    }

    /// <summary>
    /// Scans the JSON part of a REST request (skipping <c>data</c>) and checks every input it declares. Malformed JSON is left to
    /// the decoder, which reports it precisely.
    /// </summary>
    public static void CheckRest(ServedModelVersion served, ReadOnlySpan<byte> json, ProtocolLimits limits)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth });
        var shape = CachedShape ??= new List<long>(8);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool inputs = reader.ValueTextEquals("inputs"u8);
                if (!reader.Read())
                {
                    return;
                }

                if (!inputs)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    string? name = null;
                    string? datatype = null;
                    bool shapeValid = false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("name"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                        {
                            name = KnownText(ref reader, served.Signature.Inputs) ?? reader.GetString();
                        }
                        else if (reader.ValueTextEquals("datatype"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                        {
                            datatype = KnownDatatype(ref reader) ?? reader.GetString();
                        }
                        else if (reader.ValueTextEquals("shape"u8) && reader.Read())
                        {
                            shapeValid = ReadShape(ref reader, shape, limits);
                        }
                        else
                        {
                            if (reader.TokenType == JsonTokenType.PropertyName)
                            {
                                reader.Read();
                            }

                            reader.Skip();
                        }
                    }

                    if (reader.TokenType != JsonTokenType.EndObject)
                    {
                        return;
                    }

                    if (name is { Length: > 0 } && datatype is not null && shapeValid)
                    {
                        CheckInput(served, name, datatype, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shape), limits);
                    }
                }

                return;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed JSON (or text that is not UTF-8): the decoder reports it with its position.
        }
    }

    /// <summary>The shape list of this thread's scans (cleared per input).</summary>
    [ThreadStatic]
    private static List<long>? CachedShape;

    /// <summary>The model's own string for the input name at the reader, or null when it names none of them (no string made).</summary>
    private static string? KnownText(ref Utf8JsonReader reader, IReadOnlyList<TensorInfo> inputs)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            if (reader.ValueTextEquals(inputs[i].Name))
            {
                return inputs[i].Name;
            }
        }

        return null;
    }

    /// <summary>The protocol's own string for the datatype at the reader, or null when it is not one.</summary>
    private static string? KnownDatatype(ref Utf8JsonReader reader)
    {
        var all = InferenceDataTypes.All;
        for (int i = 0; i < all.Count; i++)
        {
            if (reader.ValueTextEquals(all[i]))
            {
                return all[i];
            }
        }

        return null;
    }

    private static bool ReadShape(ref Utf8JsonReader reader, List<long> shape, ProtocolLimits limits)
    {
        shape.Clear();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        bool valid = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long dim) && dim >= 0 && shape.Count < limits.MaxRank)
            {
                shape.Add(dim);
            }
            else
            {
                valid = false;
                reader.Skip();
            }
        }

        return valid;
    }

    /// <summary>
    /// Walks a gRPC <c>ModelInferRequest</c> in its wire form without parsing it: the model, each input's name, datatype and shape,
    /// and how many entries each part carries. Checks inputs against the model and entry counts against what the declared shapes
    /// and the limits allow, so the protobuf parser never builds more objects than a legitimate request holds.
    /// </summary>
    public static void CheckGrpc(ModelServer server, ReadOnlySequence<byte> payload)
    {
        var limits = server.Limits;
        var reader = new SequenceReader<byte>(payload);
        string? model = null;
        string? version = null;
        var inputs = new List<(string Name, string Datatype, long[] Shape, long Entries)>();
        int fields = 0;
        int maxFields = (4 * limits.MaxTensors) + 64;
        while (!reader.End)
        {
            if (++fields > maxFields)
            {
                throw Invalid($"The message has more than {maxFields} top-level fields.");
            }

            var (field, wire) = ReadTag(ref reader);
            switch (field)
            {
                case 1 when wire == 2:
                    model = ReadString(ref reader);
                    break;
                case 2 when wire == 2:
                    version = ReadString(ref reader);
                    break;
                case 5 when wire == 2:
                    if (inputs.Count >= limits.MaxTensors)
                    {
                        throw new ProtocolException(ProtocolErrorKind.LimitExceeded, $"The message has more than {limits.MaxTensors} input tensors.");
                    }

                    inputs.Add(ReadInput(ref reader, limits));
                    break;
                default:
                    SkipField(ref reader, wire);
                    break;
            }
        }

        var served = server.Models.Acquire(model, version);
        try
        {
            foreach (var (name, datatype, shape, entries) in inputs)
            {
                CheckInput(served, name, datatype, shape, limits);
                long expected = ElementCount(name, shape, limits);
                if (entries > expected)
                {
                    throw Invalid($"Input '{name}' has shape {TensorShape.Format(shape)} ({expected} elements) but its contents hold {entries} entries.");
                }
            }
        }
        finally
        {
            served.Release();
        }
    }

    private static (string Name, string Datatype, long[] Shape, long Entries) ReadInput(ref SequenceReader<byte> reader, ProtocolLimits limits)
    {
        long length = ReadLength(ref reader);
        long end = reader.Consumed + length;
        string name = string.Empty;
        string datatype = string.Empty;
        var shape = new List<long>();
        long entries = 0;
        int fields = 0;
        while (reader.Consumed < end)
        {
            if (++fields > (2 * limits.MaxTensors) + 64)
            {
                throw Invalid("An input tensor has too many fields.");
            }

            var (field, wire) = ReadTag(ref reader);
            switch (field)
            {
                case 1 when wire == 2:
                    name = ReadString(ref reader);
                    break;
                case 2 when wire == 2:
                    datatype = ReadString(ref reader);
                    break;
                case 3 when wire == 0:
                    shape.Add((long)ReadVarint(ref reader));
                    break;
                case 3 when wire == 2:
                    long shapeLength = ReadLength(ref reader);
                    long shapeEnd = reader.Consumed + shapeLength;
                    while (reader.Consumed < shapeEnd)
                    {
                        shape.Add((long)ReadVarint(ref reader));
                        if (shape.Count > limits.MaxRank)
                        {
                            break;
                        }
                    }

                    reader.Advance(Math.Max(0, shapeEnd - reader.Consumed));
                    break;
                case 5 when wire == 2:
                    entries += CountContents(ref reader);
                    break;
                default:
                    SkipField(ref reader, wire);
                    break;
            }

            if (shape.Count > limits.MaxRank)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidShape, $"Input '{ErrorClassifier.Bound(name)}' has more than {limits.MaxRank} dimensions.");
            }
        }

        if (reader.Consumed != end)
        {
            throw Invalid("An input tensor's length does not match its fields.");
        }

        return (name, datatype, shape.ToArray(), entries);
    }

    /// <summary>Counts the elements an <c>InferTensorContents</c> holds, by wire size, without building them.</summary>
    private static long CountContents(ref SequenceReader<byte> reader)
    {
        long length = ReadLength(ref reader);
        long end = reader.Consumed + length;
        long entries = 0;
        while (reader.Consumed < end)
        {
            var (field, wire) = ReadTag(ref reader);
            if (wire == 2)
            {
                long fieldLength = ReadLength(ref reader);
                if (field == 8)
                {
                    entries++;
                }
                else if (field is 6)
                {
                    entries += fieldLength / 4;
                }
                else if (field is 7)
                {
                    entries += fieldLength / 8;
                }
                else if (field is >= 1 and <= 5)
                {
                    entries += CountVarints(ref reader, fieldLength);
                    continue;
                }

                Advance(ref reader, fieldLength);
            }
            else
            {
                entries++;
                SkipField(ref reader, wire);
            }
        }

        return entries;
    }

    private static long CountVarints(ref SequenceReader<byte> reader, long length)
    {
        if (reader.Remaining < length)
        {
            throw Invalid("The message is truncated.");
        }

        long count = 0;
        var slice = reader.UnreadSequence.Slice(0, length);
        foreach (var segment in slice)
        {
            foreach (byte b in segment.Span)
            {
                if (b < 0x80)
                {
                    count++;
                }
            }
        }

        reader.Advance(length);
        return count;
    }

    private static (int Field, int Wire) ReadTag(ref SequenceReader<byte> reader)
    {
        ulong tag = ReadVarint(ref reader);
        int field = (int)Math.Min(tag >> 3, int.MaxValue);
        if (field == 0)
        {
            throw Invalid("The message has a field number 0.");
        }

        return (field, (int)(tag & 7));
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                throw Invalid("The message is truncated.");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Invalid("The message has a malformed varint.");
    }

    private static long ReadLength(ref SequenceReader<byte> reader)
    {
        ulong length = ReadVarint(ref reader);
        if (length > (ulong)reader.Remaining)
        {
            throw Invalid("The message is truncated.");
        }

        return (long)length;
    }

    private static void Advance(ref SequenceReader<byte> reader, long count)
    {
        if (reader.Remaining < count)
        {
            throw Invalid("The message is truncated.");
        }

        reader.Advance(count);
    }

    private static string ReadString(ref SequenceReader<byte> reader)
    {
        long length = ReadLength(ref reader);
        int keep = (int)Math.Min(length, MaxNameBytes);
        Span<byte> bytes = stackalloc byte[MaxNameBytes];
        if (!reader.TryCopyTo(bytes[..keep]))
        {
            throw Invalid("The message is truncated.");
        }

        reader.Advance(length);
        return Encoding.UTF8.GetString(bytes[..keep]);
    }

    private static void SkipField(ref SequenceReader<byte> reader, int wire)
    {
        switch (wire)
        {
            case 0:
                ReadVarint(ref reader);
                break;
            case 1:
                Advance(ref reader, 8);
                break;
            case 2:
                Advance(ref reader, ReadLength(ref reader));
                break;
            case 5:
                Advance(ref reader, 4);
                break;
            default:
                throw Invalid($"The message has an unsupported wire type {wire}.");
        }
    }

    private static ProtocolException Invalid(string message) => new(ProtocolErrorKind.InvalidFraming, message);
}
