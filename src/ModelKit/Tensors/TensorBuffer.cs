using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelKit;

/// <summary>
/// A block of tensor elements of one <see cref="TensorElementType"/>, without the element type in its CLR type:
/// a view over a managed array or a <see cref="MemoryManager{T}"/>. Creating, slicing and pinning one allocates nothing.
/// </summary>
public readonly struct TensorBuffer
{
    private readonly object? _owner;
    private readonly int _start;

    private TensorBuffer(object? owner, int start, int length, TensorElementType elementType)
    {
        _owner = owner;
        _start = start;
        Length = length;
        ElementType = elementType;
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Whether the buffer holds nothing at all (not even an empty array).</summary>
    public bool IsEmpty => _owner is null;

    /// <summary>
    /// The managed array behind the buffer and the buffer's first element in it, for interop that pins with <c>fixed</c>
    /// (cheaper than a GCHandle); false for memory-manager buffers, strings and empty buffers.
    /// </summary>
    public bool TryGetArray([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Array? array, out int start)
    {
        if (_owner is Array owner && Length > 0 && ElementType is not (TensorElementType.String or TensorElementType.Binary))
        {
            array = owner;
            start = _start;
            return true;
        }

        array = null;
        start = 0;
        return false;
    }

    /// <summary>The size of the elements in bytes (0 for strings and binary elements).</summary>
    public long ByteLength => (long)Length * TensorElementTypes.SizeOf(ElementType);

    /// <summary>Wraps a whole array.</summary>
    public static TensorBuffer FromArray<T>(T[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return new TensorBuffer(array, 0, array.Length, CheckedType<T>());
    }

    /// <summary>Wraps memory (array-backed or <see cref="MemoryManager{T}"/>-backed) with no copy.</summary>
    public static TensorBuffer FromMemory<T>(ReadOnlyMemory<T> memory)
    {
        var type = CheckedType<T>();
        if (MemoryMarshal.TryGetArray(memory, out ArraySegment<T> segment))
        {
            return new TensorBuffer(segment.Array ?? [], segment.Offset, segment.Count, type);
        }

        if (MemoryMarshal.TryGetMemoryManager(memory, out MemoryManager<T>? manager, out int start, out int length))
        {
            return new TensorBuffer(manager, start, length, type);
        }

        // Only ReadOnlyMemory<char> over a string lands here, and char is not a tensor element type.
        throw new NotSupportedException($"Memory of {typeof(T)} is neither array- nor MemoryManager-backed.");
    }

    /// <summary>Wraps writable memory with no copy.</summary>
    public static TensorBuffer FromMemory<T>(Memory<T> memory) => FromMemory((ReadOnlyMemory<T>)memory);

    /// <summary>The elements as typed read-only memory.</summary>
    public ReadOnlyMemory<T> AsReadOnlyMemory<T>() => AsMemory<T>();

    /// <summary>The elements as typed memory.</summary>
    public Memory<T> AsMemory<T>()
    {
        CheckType<T>();
        return _owner switch
        {
            null => Memory<T>.Empty,
            T[] array => new Memory<T>(array, _start, Length),
            MemoryManager<T> manager => manager.Memory.Slice(_start, Length),
            _ => throw new InvalidOperationException("Buffer owner does not match its element type."),
        };
    }

    /// <summary>The elements as a typed span.</summary>
    public Span<T> AsSpan<T>()
    {
        CheckType<T>();
        return _owner switch
        {
            null => Span<T>.Empty,
            T[] array => new Span<T>(array, _start, Length),
            MemoryManager<T> manager => manager.GetSpan().Slice(_start, Length),
            _ => throw new InvalidOperationException("Buffer owner does not match its element type."),
        };
    }

    /// <summary>The elements as raw bytes (not for strings).</summary>
    public Span<byte> AsBytes() => ElementType switch
    {
        TensorElementType.Float => MemoryMarshal.AsBytes(AsSpan<float>()),
        TensorElementType.Double => MemoryMarshal.AsBytes(AsSpan<double>()),
        TensorElementType.Int8 => MemoryMarshal.AsBytes(AsSpan<sbyte>()),
        TensorElementType.UInt8 => AsSpan<byte>(),
        TensorElementType.Int16 => MemoryMarshal.AsBytes(AsSpan<short>()),
        TensorElementType.UInt16 => MemoryMarshal.AsBytes(AsSpan<ushort>()),
        TensorElementType.Int32 => MemoryMarshal.AsBytes(AsSpan<int>()),
        TensorElementType.UInt32 => MemoryMarshal.AsBytes(AsSpan<uint>()),
        TensorElementType.Int64 => MemoryMarshal.AsBytes(AsSpan<long>()),
        TensorElementType.UInt64 => MemoryMarshal.AsBytes(AsSpan<ulong>()),
        TensorElementType.Bool => MemoryMarshal.AsBytes(AsSpan<bool>()),
        TensorElementType.Float16 => MemoryMarshal.AsBytes(AsSpan<Half>()),
        TensorElementType.BFloat16 => MemoryMarshal.AsBytes(AsSpan<BFloat16>()),
        _ => throw new NotSupportedException($"{ElementType} tensors have no fixed-size byte representation."),
    };

    /// <summary>The whole array behind the buffer when it covers the array exactly; otherwise null.</summary>
    public T[]? TryGetWholeArray<T>()
    {
        CheckType<T>();
        return _owner is T[] array && _start == 0 && Length == array.Length ? array : null;
    }

    /// <summary>A view of part of the buffer.</summary>
    public TensorBuffer Slice(int start, int length)
    {
        if ((uint)start > (uint)Length || (uint)length > (uint)(Length - start))
        {
            throw new ArgumentOutOfRangeException(nameof(start));
        }

        return new TensorBuffer(_owner, _start + start, length, ElementType);
    }

    /// <summary>Pins the elements so native code can read or write them. Not for strings.</summary>
    public unsafe MemoryHandle Pin()
    {
        switch (_owner)
        {
            case null:
                return default;
            case Array array:
                if (ElementType is TensorElementType.String or TensorElementType.Binary)
                {
                    throw new NotSupportedException($"{ElementType} tensors cannot be pinned.");
                }

                var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
                byte* start = (byte*)handle.AddrOfPinnedObject() + ((long)_start * TensorElementTypes.SizeOf(ElementType));
                return new MemoryHandle(start, handle);
            case IPinnable pinnable:
                return pinnable.Pin(_start);
            default:
                throw new InvalidOperationException("Unknown buffer owner.");
        }
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, which must have the same element type and at least as many elements.</summary>
    public void CopyTo(TensorBuffer destination)
    {
        if (destination.ElementType != ElementType)
        {
            throw new ArgumentException($"Cannot copy {ElementType} elements into a {destination.ElementType} buffer.", nameof(destination));
        }

        if (ElementType == TensorElementType.String)
        {
            AsSpan<string>().CopyTo(destination.AsSpan<string>());
        }
        else if (ElementType == TensorElementType.Binary)
        {
            // The element views, not the bytes they view (see CopyBinaryElements for a deep copy).
            AsSpan<ReadOnlyMemory<byte>>().CopyTo(destination.AsSpan<ReadOnlyMemory<byte>>());
        }
        else
        {
            AsBytes().CopyTo(destination.AsBytes());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckType<T>()
    {
        if (TensorElementTypes.Of<T>() != ElementType && _owner is not null)
        {
            ThrowTypeMismatch(typeof(T), ElementType);
        }
    }

    private static TensorElementType CheckedType<T>()
    {
        var type = TensorElementTypes.Of<T>();
        if (type == TensorElementType.Undefined)
        {
            throw new NotSupportedException($"{typeof(T)} is not a tensor element type.");
        }

        return type;
    }

    private static void ThrowTypeMismatch(Type requested, TensorElementType actual) =>
        throw new InvalidCastException($"A {actual} tensor buffer cannot be read as {requested.Name}.");
}
