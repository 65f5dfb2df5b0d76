using System.Buffers;
using System.Runtime.InteropServices;

namespace ModelKit.Protocol.Memory;

/// <summary>
/// Typed elements viewed over part of a byte array (a message body), with no copy. The array must stay alive and unchanged
/// while the view is used; pinning pins the whole array.
/// </summary>
internal sealed class ByteViewMemoryManager<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly byte[] _array;
    private readonly int _offset;
    private readonly int _length;

    public ByteViewMemoryManager(byte[] array, int offset, int length)
    {
        _array = array;
        _offset = offset;
        _length = length;
    }

    public override Span<T> GetSpan() => MemoryMarshal.Cast<byte, T>(_array.AsSpan(_offset, _length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(elementIndex));
        }

        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        byte* start = (byte*)handle.AddrOfPinnedObject() + _offset + ((long)elementIndex * sizeof(T));
        return new MemoryHandle(start, handle);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}

/// <summary>The bytes of typed memory (a tensor's array) as <see cref="ReadOnlyMemory{T}"/> of bytes, with no copy.</summary>
internal sealed class BytesOfMemoryManager<T> : MemoryManager<byte>
    where T : unmanaged
{
    private readonly Memory<T> _memory;

    public BytesOfMemoryManager(Memory<T> memory) => _memory = memory;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(_memory.Span);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = _memory.Pin();
        return new MemoryHandle((byte*)handle.Pointer + elementIndex, default, new PinnedOwner(handle));
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    /// <summary>Releases the inner pin when the outer handle is disposed.</summary>
    private sealed class PinnedOwner(MemoryHandle inner) : IPinnable
    {
        private MemoryHandle _inner = inner;

        public MemoryHandle Pin(int elementIndex) => throw new NotSupportedException();

        public void Unpin() => _inner.Dispose();
    }
}
