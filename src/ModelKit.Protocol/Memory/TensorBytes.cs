using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace ModelKit.Protocol.Memory;

/// <summary>Raw little-endian tensor data: views over message bytes, bytes of tensors, and the BYTES element framing.</summary>
public static class TensorBytes
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The wire size of a tensor's data in bytes: elements × size, or for BYTES the sum of 4 + UTF-8 (or binary) length per element.</summary>
    public static long WireSize(TensorValue value)
    {
        if (value.ElementType == TensorElementType.Binary)
        {
            long size = 0;
            foreach (var element in value.Buffer.AsSpan<ReadOnlyMemory<byte>>())
            {
                size += 4 + element.Length;
            }

            return size;
        }

        if (value.ElementType != TensorElementType.String)
        {
            return value.Buffer.ByteLength;
        }

        long total = 0;
        foreach (var s in value.Buffer.AsSpan<string>())
        {
            total += 4 + Encoding.UTF8.GetByteCount(s ?? string.Empty);
        }

        return total;
    }

    /// <summary>
    /// A tensor's data in wire layout. Fixed-size types: the tensor's own memory reinterpreted as bytes (no copy; little-endian hosts).
    /// BYTES: a new buffer of 4-byte little-endian lengths and UTF-8 bytes (binary elements: their bytes as they are).
    /// </summary>
    public static ReadOnlyMemory<byte> GetWireBytes(TensorValue value)
    {
        EnsureLittleEndian();
        var buffer = value.Buffer;
        return value.ElementType switch
        {
            TensorElementType.Float => Bytes<float>(buffer),
            TensorElementType.Double => Bytes<double>(buffer),
            TensorElementType.Int8 => Bytes<sbyte>(buffer),
            TensorElementType.UInt8 => buffer.AsMemory<byte>(),
            TensorElementType.Int16 => Bytes<short>(buffer),
            TensorElementType.UInt16 => Bytes<ushort>(buffer),
            TensorElementType.Int32 => Bytes<int>(buffer),
            TensorElementType.UInt32 => Bytes<uint>(buffer),
            TensorElementType.Int64 => Bytes<long>(buffer),
            TensorElementType.UInt64 => Bytes<ulong>(buffer),
            TensorElementType.Bool => Bytes<bool>(buffer),
            TensorElementType.Float16 => Bytes<Half>(buffer),
            TensorElementType.BFloat16 => Bytes<BFloat16>(buffer),
            TensorElementType.String => EncodeStrings(buffer.AsSpan<string>()),
            TensorElementType.Binary => EncodeBinary(buffer.AsSpan<ReadOnlyMemory<byte>>()),
            _ => throw new NotSupportedException($"{value.ElementType} tensors cannot be sent."),
        };
    }

    /// <summary>Writes a tensor's wire bytes into <paramref name="writer"/>.</summary>
    public static void Write(TensorValue value, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.ElementType == TensorElementType.Binary)
        {
            foreach (var element in value.Buffer.AsSpan<ReadOnlyMemory<byte>>())
            {
                var span = writer.GetSpan(4);
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)element.Length);
                writer.Advance(4);
                writer.Write(element.Span);
            }

            return;
        }

        if (value.ElementType == TensorElementType.String)
        {
            foreach (var s in value.Buffer.AsSpan<string>())
            {
                var text = s ?? string.Empty;
                int count = Encoding.UTF8.GetByteCount(text);
                var span = writer.GetSpan(4 + count);
                BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)count);
                Encoding.UTF8.GetBytes(text, span[4..]);
                writer.Advance(4 + count);
            }

            return;
        }

        EnsureLittleEndian();
        writer.Write(value.Buffer.AsBytes());
    }

    /// <summary>
    /// Decodes <paramref name="byteLength"/> bytes at <paramref name="offset"/> of <paramref name="array"/> into a tensor of
    /// <paramref name="shape"/>. Fixed-size types become a view over the array when the offset is aligned to the element size
    /// (copied otherwise); BYTES elements are parsed and decoded as UTF-8. Throws <see cref="ProtocolException"/> when the size
    /// does not match the shape.
    /// </summary>
    public static TensorValue Decode(string tensorName, TensorElementType type, long[] shape, byte[] array, int offset, int byteLength) =>
        Decode(tensorName, type, shape, array, offset, byteLength, binaryElements: false);

    /// <summary>
    /// <see cref="Decode(string, TensorElementType, long[], byte[], int, int)"/>, with BYTES elements kept as bytes — a
    /// <see cref="TensorElementType.Binary"/> tensor whose elements are views over <paramref name="array"/> — when
    /// <paramref name="binaryElements"/> (binary content such as an encoded image) instead of decoded as UTF-8.
    /// </summary>
    public static TensorValue Decode(string tensorName, TensorElementType type, long[] shape, byte[] array, int offset, int byteLength, bool binaryElements)
    {
        ArgumentNullException.ThrowIfNull(array);
        if ((uint)offset > (uint)array.Length || (uint)byteLength > (uint)(array.Length - offset))
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"Tensor '{tensorName}': its {byteLength} bytes of binary data run past the end of the message.");
        }

        long count = ElementCount(tensorName, shape, ProtocolLimits.Default, long.MaxValue);
        if (type is TensorElementType.String or TensorElementType.Binary)
        {
            return binaryElements || type == TensorElementType.Binary
                ? new TensorValue(shape, TensorBuffer.FromArray(DecodeBinary(tensorName, new ReadOnlyMemory<byte>(array, offset, byteLength), count)))
                : new TensorValue(shape, TensorBuffer.FromArray(DecodeStrings(tensorName, array.AsSpan(offset, byteLength), count)));
        }

        EnsureLittleEndian();
        int size = TensorElementTypes.SizeOf(type);
        if (count * size != byteLength)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': {InferenceDataTypes.FromElementType(type)}{TensorShape.Format(shape)} needs {count * size} bytes ({count} elements × {size}) but its binary data has {byteLength}.");
        }

        int length = (int)count;
        var buffer = type switch
        {
            TensorElementType.Float => View<float>(array, offset, length),
            TensorElementType.Double => View<double>(array, offset, length),
            TensorElementType.Int8 => View<sbyte>(array, offset, length),
            TensorElementType.UInt8 => TensorBuffer.FromMemory(new ReadOnlyMemory<byte>(array, offset, length)),
            TensorElementType.Int16 => View<short>(array, offset, length),
            TensorElementType.UInt16 => View<ushort>(array, offset, length),
            TensorElementType.Int32 => View<int>(array, offset, length),
            TensorElementType.UInt32 => View<uint>(array, offset, length),
            TensorElementType.Int64 => View<long>(array, offset, length),
            TensorElementType.UInt64 => View<ulong>(array, offset, length),
            TensorElementType.Bool => ViewBools(array, offset, length),
            TensorElementType.Float16 => View<Half>(array, offset, length),
            TensorElementType.BFloat16 => View<BFloat16>(array, offset, length),
            _ => throw new ProtocolException(ProtocolErrorKind.Unsupported, $"Tensor '{tensorName}': {type} tensors are not supported."),
        };
        return new TensorValue(shape, buffer);
    }

    /// <summary>Decodes a tensor from bytes held in any memory (copied into the tensor when not array-backed).</summary>
    public static TensorValue Decode(string tensorName, TensorElementType type, long[] shape, ReadOnlyMemory<byte> bytes) =>
        Decode(tensorName, type, shape, bytes, binaryElements: false);

    /// <summary>Decodes a tensor from bytes held in any memory; BYTES elements kept as bytes (<see cref="TensorElementType.Binary"/>) when <paramref name="binaryElements"/>.</summary>
    public static TensorValue Decode(string tensorName, TensorElementType type, long[] shape, ReadOnlyMemory<byte> bytes, bool binaryElements)
    {
        if (MemoryMarshal.TryGetArray(bytes, out ArraySegment<byte> segment))
        {
            return Decode(tensorName, type, shape, segment.Array!, segment.Offset, segment.Count, binaryElements);
        }

        return Decode(tensorName, type, shape, bytes.ToArray(), 0, bytes.Length, binaryElements);
    }

    /// <summary>The element count of a shape, checked: no negative dimension, no overflow, within the limits.</summary>
    public static long ElementCount(string tensorName, ReadOnlySpan<long> shape, ProtocolLimits limits, long maxByBody)
    {
        if (shape.Length > limits.MaxRank)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidShape,
                $"Tensor '{tensorName}' has {shape.Length} dimensions; at most {limits.MaxRank} are accepted.");
        }

        long count = 1;
        bool zero = false;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidShape,
                    $"Tensor '{tensorName}' has shape {TensorShape.Format(shape)}; every dimension must be 0 or more.");
            }

            if (dim == 0)
            {
                zero = true;
                continue;
            }

            if (count > limits.MaxElementsPerTensor / dim)
            {
                count = long.MaxValue;
                continue;
            }

            count *= dim;
        }

        if (zero)
        {
            return 0;
        }

        if (count > limits.MaxElementsPerTensor || count > Array.MaxLength)
        {
            throw new ProtocolException(ProtocolErrorKind.LimitExceeded,
                $"Tensor '{tensorName}' has shape {TensorShape.Format(shape)}, more than the {limits.MaxElementsPerTensor} elements a tensor may hold.");
        }

        if (count > maxByBody)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': shape {TensorShape.Format(shape)} needs {count} elements, more than a {maxByBody}-byte message can hold; 'data' must list every element.");
        }

        return count;
    }

    private static TensorBuffer View<T>(byte[] array, int offset, int length)
        where T : unmanaged
    {
        if (length == 0)
        {
            return TensorBuffer.FromArray(Array.Empty<T>());
        }

        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (offset % size == 0)
        {
            return TensorBuffer.FromMemory((ReadOnlyMemory<T>)new ByteViewMemoryManager<T>(array, offset, length).Memory);
        }

        // Misaligned (the JSON header's length decides where binary data starts): copy once.
        var copy = new T[length];
        array.AsSpan(offset, length * size).CopyTo(MemoryMarshal.AsBytes(copy.AsSpan()));
        return TensorBuffer.FromArray(copy);
    }

    private static TensorBuffer ViewBools(byte[] array, int offset, int length)
    {
        // BOOL is one byte, 0 or 1; normalise anything else to 1 in place so .NET sees a valid bool.
        var bytes = array.AsSpan(offset, length);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] > 1)
            {
                bytes[i] = 1;
            }
        }

        return length == 0
            ? TensorBuffer.FromArray(Array.Empty<bool>())
            : TensorBuffer.FromMemory((ReadOnlyMemory<bool>)new ByteViewMemoryManager<bool>(array, offset, length).Memory);
    }

    private static ReadOnlyMemory<byte> Bytes<T>(TensorBuffer buffer)
        where T : unmanaged
    {
        var memory = buffer.AsMemory<T>();
        return memory.IsEmpty ? ReadOnlyMemory<byte>.Empty : new BytesOfMemoryManager<T>(memory).Memory;
    }

    private static byte[] EncodeStrings(ReadOnlySpan<string> strings)
    {
        long total = 0;
        foreach (var s in strings)
        {
            total += 4 + Encoding.UTF8.GetByteCount(s ?? string.Empty);
        }

        var bytes = new byte[total];
        int position = 0;
        foreach (var s in strings)
        {
            var text = s ?? string.Empty;
            int count = Encoding.UTF8.GetBytes(text, bytes.AsSpan(position + 4));
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(position), (uint)count);
            position += 4 + count;
        }

        return bytes;
    }

    /// <summary>Binary elements at least this long travel as their own segment (a view of the caller's memory); shorter ones are copied into the frame buffer.</summary>
    internal const int SeparateSegmentBytes = 4096;

    /// <summary>
    /// Adds a binary tensor's BYTES frames (4-byte little-endian length, then the bytes, per element) to <paramref name="segments"/>
    /// without copying its large elements: one buffer holds the lengths and the short elements, and each element of
    /// <see cref="SeparateSegmentBytes"/> or more is added as the caller's memory between slices of it. Returns the frames' size.
    /// </summary>
    internal static long AddBinaryFrames(TensorValue value, List<ReadOnlyMemory<byte>> segments)
    {
        var elements = value.Buffer.AsSpan<ReadOnlyMemory<byte>>();
        long buffered = 0;
        long total = 0;
        foreach (var element in elements)
        {
            buffered += 4 + (element.Length < SeparateSegmentBytes ? element.Length : 0);
            total += 4 + element.Length;
        }

        var frames = new byte[buffered];
        int start = 0;
        int position = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frames.AsSpan(position), (uint)element.Length);
            position += 4;
            if (element.Length < SeparateSegmentBytes)
            {
                element.Span.CopyTo(frames.AsSpan(position));
                position += element.Length;
                continue;
            }

            segments.Add(new ReadOnlyMemory<byte>(frames, start, position - start));
            segments.Add(element);
            start = position;
        }

        if (position > start || elements.IsEmpty)
        {
            // An empty tensor still has its (empty) binary data: the segment marks the message as carrying binary data.
            segments.Add(new ReadOnlyMemory<byte>(frames, start, position - start));
        }

        return total;
    }

    private static byte[] EncodeBinary(ReadOnlySpan<ReadOnlyMemory<byte>> elements)
    {
        long total = 0;
        foreach (var element in elements)
        {
            total += 4 + element.Length;
        }

        var bytes = new byte[total];
        int position = 0;
        foreach (var element in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(position), (uint)element.Length);
            element.Span.CopyTo(bytes.AsSpan(position + 4));
            position += 4 + element.Length;
        }

        return bytes;
    }

    /// <summary>
    /// Parses BYTES elements (4-byte little-endian length, then the bytes) and keeps each as bytes: views over
    /// <paramref name="bytes"/>, no copy (keep it alive and unchanged while they are used).
    /// </summary>
    public static ReadOnlyMemory<byte>[] DecodeBinary(string tensorName, ReadOnlyMemory<byte> bytes, long expectedCount)
    {
        var elements = new ReadOnlyMemory<byte>[CheckedCount(tensorName, bytes.Length, expectedCount)];
        var span = bytes.Span;
        int position = 0;
        for (int i = 0; i < elements.Length; i++)
        {
            int length = NextLength(tensorName, span, ref position, i, expectedCount);
            elements[i] = bytes.Slice(position, length);
            position += length;
        }

        CheckEnd(tensorName, position, span.Length, expectedCount);
        return elements;
    }

    /// <summary>Parses BYTES elements (4-byte little-endian length, then the bytes) and decodes each as UTF-8.</summary>
    public static string[] DecodeStrings(string tensorName, ReadOnlySpan<byte> bytes, long expectedCount)
    {
        var strings = new string[CheckedCount(tensorName, bytes.Length, expectedCount)];
        int position = 0;
        for (int i = 0; i < strings.Length; i++)
        {
            int length = NextLength(tensorName, bytes, ref position, i, expectedCount);
            strings[i] = DecodeUtf8(tensorName, bytes.Slice(position, length));
            position += length;
        }

        CheckEnd(tensorName, position, bytes.Length, expectedCount);
        return strings;
    }

    private static int CheckedCount(string tensorName, int byteLength, long expectedCount)
    {
        if (expectedCount > byteLength / 4)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': {expectedCount} BYTES elements need at least {expectedCount * 4} bytes but its binary data has {byteLength}.");
        }

        return (int)expectedCount;
    }

    private static int NextLength(string tensorName, ReadOnlySpan<byte> bytes, ref int position, long i, long expectedCount)
    {
        if (bytes.Length - position < 4)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': BYTES element {i} has no 4-byte length; the binary data ends after {i} of {expectedCount} elements.");
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[position..]);
        position += 4;
        if (length > (uint)(bytes.Length - position))
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': BYTES element {i} claims {length} bytes but only {bytes.Length - position} remain.");
        }

        return (int)length;
    }

    private static void CheckEnd(string tensorName, int position, int byteLength, long expectedCount)
    {
        if (position != byteLength)
        {
            throw new ProtocolException(ProtocolErrorKind.SizeMismatch,
                $"Tensor '{tensorName}': {expectedCount} BYTES elements end after {position} bytes but its binary data has {byteLength}.");
        }
    }

    /// <summary>Decodes UTF-8 strictly (ModelKit's BYTES tensors are strings).</summary>
    public static string DecodeUtf8(string tensorName, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidValue,
                $"Tensor '{tensorName}': a BYTES element is not valid UTF-8, so it cannot be read as text (declare the tensor's elements as ReadOnlyMemory<byte> to carry bytes).", ex);
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The binary tensor data extension is little-endian; big-endian hosts are not supported.");
        }
    }
}
