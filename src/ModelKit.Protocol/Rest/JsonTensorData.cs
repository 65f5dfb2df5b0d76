using System.Text.Json;

namespace ModelKit.Protocol.Rest;

/// <summary>Reads JSON <c>data</c> (flat or nested arrays) straight into typed arrays, and writes typed spans as JSON arrays.</summary>
internal static class JsonTensorData
{
    /// <summary>Reads the <c>data</c> value at the reader's current token into a new tensor of <paramref name="shape"/>.</summary>
    public static TensorValue Read(ref Utf8JsonReader reader, string tensorName, TensorElementType type, long[] shape, int count)
    {
        TensorBuffer buffer = type switch
        {
            TensorElementType.Float => Fill<float, FloatReader>(ref reader, tensorName, shape, count),
            TensorElementType.Double => Fill<double, DoubleReader>(ref reader, tensorName, shape, count),
            TensorElementType.Int8 => Fill<sbyte, Int8Reader>(ref reader, tensorName, shape, count),
            TensorElementType.UInt8 => Fill<byte, UInt8Reader>(ref reader, tensorName, shape, count),
            TensorElementType.Int16 => Fill<short, Int16Reader>(ref reader, tensorName, shape, count),
            TensorElementType.UInt16 => Fill<ushort, UInt16Reader>(ref reader, tensorName, shape, count),
            TensorElementType.Int32 => Fill<int, Int32Reader>(ref reader, tensorName, shape, count),
            TensorElementType.UInt32 => Fill<uint, UInt32Reader>(ref reader, tensorName, shape, count),
            TensorElementType.Int64 => Fill<long, Int64Reader>(ref reader, tensorName, shape, count),
            TensorElementType.UInt64 => Fill<ulong, UInt64Reader>(ref reader, tensorName, shape, count),
            TensorElementType.Bool => Fill<bool, BoolReader>(ref reader, tensorName, shape, count),
            TensorElementType.String => Fill<string, StringReader>(ref reader, tensorName, shape, count),
            _ => throw new ProtocolException(ProtocolErrorKind.Unsupported,
                $"Tensor '{tensorName}' is {InferenceDataTypes.FromElementType(type)}, which cannot travel as JSON numbers; send it as binary data (the binary tensor data extension, parameter \"binary_data_size\")."),
        };
        return new TensorValue(shape, buffer);
    }

    /// <summary>
    /// Reads BYTES <c>data</c> sent as base64 text (<c>"content_type": "base64"</c>, MLServer's way of carrying bytes in JSON) into a
    /// <see cref="TensorElementType.Binary"/> tensor.
    /// </summary>
    public static TensorValue ReadBase64(ref Utf8JsonReader reader, string tensorName, long[] shape, int count)
    {
        var text = Read(ref reader, tensorName, TensorElementType.String, shape, count).Buffer.AsSpan<string>();
        var elements = new ReadOnlyMemory<byte>[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            elements[i] = FromBase64(tensorName, i, text[i]);
        }

        return new TensorValue(shape, TensorBuffer.FromArray(elements));
    }

    /// <summary>Reads BYTES <c>data</c> written as JSON text into a <see cref="TensorElementType.Binary"/> tensor of each text's UTF-8 bytes.</summary>
    public static TensorValue ReadUtf8Bytes(ref Utf8JsonReader reader, string tensorName, long[] shape, int count)
    {
        var text = Read(ref reader, tensorName, TensorElementType.String, shape, count).Buffer.AsSpan<string>();
        var elements = new ReadOnlyMemory<byte>[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            elements[i] = System.Text.Encoding.UTF8.GetBytes(text[i] ?? string.Empty);
        }

        return new TensorValue(shape, TensorBuffer.FromArray(elements));
    }

    private static byte[] FromBase64(string tensorName, int index, string text)
    {
        var bytes = new byte[(text.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(text, bytes, out int written))
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidValue,
                $"Tensor '{tensorName}': BYTES element {index} is not base64 text; binary elements travel in JSON as base64 (\"{ProtocolNames.ContentType}\": \"{ProtocolNames.Base64ContentType}\"), or as raw bytes with the binary tensor data extension or gRPC.");
        }

        return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
    }

    /// <summary>Writes a tensor's elements as a flat JSON array (binary elements as base64 text).</summary>
    public static void Write(Utf8JsonWriter writer, TensorValue value)
    {
        writer.WriteStartArray();
        var buffer = value.Buffer;
        switch (value.ElementType)
        {
            case TensorElementType.Float:
                foreach (float v in buffer.AsSpan<float>())
                {
                    if (float.IsFinite(v))
                    {
                        writer.WriteNumberValue(v);
                    }
                    else
                    {
                        WriteNonFinite(writer, v);
                    }
                }

                break;
            case TensorElementType.Double:
                foreach (double v in buffer.AsSpan<double>())
                {
                    if (double.IsFinite(v))
                    {
                        writer.WriteNumberValue(v);
                    }
                    else
                    {
                        WriteNonFinite(writer, v);
                    }
                }

                break;
            case TensorElementType.Int8:
                foreach (sbyte v in buffer.AsSpan<sbyte>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.UInt8:
                foreach (byte v in buffer.AsSpan<byte>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.Int16:
                foreach (short v in buffer.AsSpan<short>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.UInt16:
                foreach (ushort v in buffer.AsSpan<ushort>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.Int32:
                foreach (int v in buffer.AsSpan<int>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.UInt32:
                foreach (uint v in buffer.AsSpan<uint>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.Int64:
                foreach (long v in buffer.AsSpan<long>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.UInt64:
                foreach (ulong v in buffer.AsSpan<ulong>())
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case TensorElementType.Bool:
                foreach (bool v in buffer.AsSpan<bool>())
                {
                    writer.WriteBooleanValue(v);
                }

                break;
            case TensorElementType.String:
                foreach (string v in buffer.AsSpan<string>())
                {
                    writer.WriteStringValue(v ?? string.Empty);
                }

                break;
            case TensorElementType.Binary:
                foreach (var v in buffer.AsSpan<ReadOnlyMemory<byte>>())
                {
                    writer.WriteBase64StringValue(v.Span);
                }

                break;
            default:
                throw new NotSupportedException($"{value.ElementType} tensors travel as binary data only.");
        }

        writer.WriteEndArray();
    }

    private static void WriteNonFinite(Utf8JsonWriter writer, double value) =>
        writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");

    private static TensorBuffer Fill<T, TReader>(ref Utf8JsonReader reader, string tensorName, long[] shape, int count)
        where TReader : IElementReader<T>
    {
        var data = new T[count];
        int written = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            // A bare scalar for a one-element tensor.
            Store<T, TReader>(ref reader, tensorName, data, ref written);
        }
        else
        {
            int depth = 0;
            do
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        depth++;
                        break;
                    case JsonTokenType.EndArray:
                        depth--;
                        break;
                    default:
                        Store<T, TReader>(ref reader, tensorName, data, ref written);
                        break;
                }
            }
            while (depth > 0 && reader.Read());
        }

        if (written != count)
        {
            throw Mismatch(tensorName, shape, count, written.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return TensorBuffer.FromArray(data);
    }

    private static void Store<T, TReader>(ref Utf8JsonReader reader, string tensorName, T[] data, ref int written)
        where TReader : IElementReader<T>
    {
        if (written >= data.Length)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': 'data' holds more than the {data.Length} elements its shape needs.");
        }

        if (!TReader.TryRead(ref reader, out T value))
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidValue,
                $"Tensor '{tensorName}': element {written} of 'data' ({Describe(ref reader)}) is not a valid {TReader.Datatype} value.");
        }

        data[written++] = value;
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"\"{Truncate(reader.GetString())}\"",
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    private static string? Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text;

    private static ProtocolException Mismatch(string tensorName, long[] shape, long count, string actual) =>
        new(ProtocolErrorKind.SizeMismatch,
            $"Tensor '{tensorName}': shape {TensorShape.Format(shape)} needs {count} elements but 'data' holds {actual}.");

    /// <summary>Reads one element of a datatype from the current token.</summary>
    private interface IElementReader<T>
    {
        static abstract string Datatype { get; }

        static abstract bool TryRead(ref Utf8JsonReader reader, out T value);
    }

    private readonly struct FloatReader : IElementReader<float>
    {
        public static string Datatype => InferenceDataTypes.Fp32;

        public static bool TryRead(ref Utf8JsonReader reader, out float value)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                return reader.TryGetSingle(out value);
            }

            if (reader.TokenType == JsonTokenType.String && TryNonFinite(ref reader, out double d))
            {
                value = (float)d;
                return true;
            }

            value = 0;
            return false;
        }
    }

    private readonly struct DoubleReader : IElementReader<double>
    {
        public static string Datatype => InferenceDataTypes.Fp64;

        public static bool TryRead(ref Utf8JsonReader reader, out double value)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                return reader.TryGetDouble(out value);
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                return TryNonFinite(ref reader, out value);
            }

            value = 0;
            return false;
        }
    }

    private static bool TryNonFinite(ref Utf8JsonReader reader, out double value)
    {
        if (reader.ValueTextEquals("NaN"u8))
        {
            value = double.NaN;
            return true;
        }

        if (reader.ValueTextEquals("Infinity"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (reader.ValueTextEquals("-Infinity"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        value = 0;
        return false;
    }

    private readonly struct Int8Reader : IElementReader<sbyte>
    {
        public static string Datatype => InferenceDataTypes.Int8;

        public static bool TryRead(ref Utf8JsonReader reader, out sbyte value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetSByte(out value);
        }
    }

    private readonly struct UInt8Reader : IElementReader<byte>
    {
        public static string Datatype => InferenceDataTypes.UInt8;

        public static bool TryRead(ref Utf8JsonReader reader, out byte value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out value);
        }
    }

    private readonly struct Int16Reader : IElementReader<short>
    {
        public static string Datatype => InferenceDataTypes.Int16;

        public static bool TryRead(ref Utf8JsonReader reader, out short value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt16(out value);
        }
    }

    private readonly struct UInt16Reader : IElementReader<ushort>
    {
        public static string Datatype => InferenceDataTypes.UInt16;

        public static bool TryRead(ref Utf8JsonReader reader, out ushort value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt16(out value);
        }
    }

    private readonly struct Int32Reader : IElementReader<int>
    {
        public static string Datatype => InferenceDataTypes.Int32;

        public static bool TryRead(ref Utf8JsonReader reader, out int value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value);
        }
    }

    private readonly struct UInt32Reader : IElementReader<uint>
    {
        public static string Datatype => InferenceDataTypes.UInt32;

        public static bool TryRead(ref Utf8JsonReader reader, out uint value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out value);
        }
    }

    private readonly struct Int64Reader : IElementReader<long>
    {
        public static string Datatype => InferenceDataTypes.Int64;

        public static bool TryRead(ref Utf8JsonReader reader, out long value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value);
        }
    }

    private readonly struct UInt64Reader : IElementReader<ulong>
    {
        public static string Datatype => InferenceDataTypes.UInt64;

        public static bool TryRead(ref Utf8JsonReader reader, out ulong value)
        {
            value = 0;
            return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out value);
        }
    }

    private readonly struct BoolReader : IElementReader<bool>
    {
        public static string Datatype => InferenceDataTypes.Bool;

        public static bool TryRead(ref Utf8JsonReader reader, out bool value)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.True:
                    value = true;
                    return true;
                case JsonTokenType.False:
                    value = false;
                    return true;
                case JsonTokenType.Number when reader.TryGetByte(out byte b) && b <= 1:
                    value = b == 1;
                    return true;
                default:
                    value = false;
                    return false;
            }
        }
    }

    private readonly struct StringReader : IElementReader<string>
    {
        public static string Datatype => InferenceDataTypes.Bytes;

        public static bool TryRead(ref Utf8JsonReader reader, out string value)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                value = reader.GetString()!;
                return true;
            }

            value = string.Empty;
            return false;
        }
    }
}
