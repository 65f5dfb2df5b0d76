using System.Buffers;
using System.Runtime.InteropServices;

namespace ModelKit.Tests;

public class TensorBufferTests
{
    [Fact]
    public void Array_segment_memory_is_wrapped_without_a_copy()
    {
        var data = new float[] { 1, 2, 3, 4, 5 };
        var buffer = TensorBuffer.FromMemory<float>(data.AsMemory(1, 3));
        Assert.Equal(3, buffer.Length);
        Assert.Equal(TensorElementType.Float, buffer.ElementType);
        buffer.AsSpan<float>()[0] = 42;
        Assert.Equal(42, data[1]);
        Assert.Null(buffer.TryGetWholeArray<float>());
        Assert.Same(data, TensorBuffer.FromArray(data).TryGetWholeArray<float>());
    }

    [Fact]
    public unsafe void Pinning_points_at_the_first_element_of_the_view()
    {
        var data = new long[] { 10, 20, 30 };
        var buffer = TensorBuffer.FromMemory<long>(data.AsMemory(1));
        using var handle = buffer.Pin();
        Assert.Equal(20L, *(long*)handle.Pointer);
    }

    [Fact]
    public unsafe void Memory_manager_backed_memory_is_supported()
    {
        using var manager = new NativeManager(4);
        manager.GetSpan()[2] = 7;
        var buffer = TensorBuffer.FromMemory<int>(manager.Memory);
        Assert.Equal(7, buffer.AsSpan<int>()[2]);
        using var handle = buffer.Slice(2, 2).Pin();
        Assert.Equal(7, *(int*)handle.Pointer);
    }

    [Fact]
    public void Reading_as_another_type_throws()
    {
        var buffer = TensorBuffer.FromArray(new int[2]);
        Assert.Throws<InvalidCastException>(() => buffer.AsSpan<float>().Length);
    }

    [Fact]
    public void Every_element_type_round_trips_through_allocate_and_bytes()
    {
        foreach (var type in Enum.GetValues<TensorElementType>())
        {
            if (type is TensorElementType.Undefined)
            {
                continue;
            }

            var buffer = TensorElementTypes.Allocate(type, 3);
            Assert.Equal(type, buffer.ElementType);
            Assert.Equal(3, buffer.Length);
            if (type is not (TensorElementType.String or TensorElementType.Binary))
            {
                Assert.Equal(3 * TensorElementTypes.SizeOf(type), buffer.AsBytes().Length);
            }
        }
    }

    private sealed unsafe class NativeManager(int length) : MemoryManager<int>
    {
        private readonly int* _pointer = (int*)NativeMemory.AllocZeroed((nuint)(length * sizeof(int)));

        public override Span<int> GetSpan() => new(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
    }
}
