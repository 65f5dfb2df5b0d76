namespace ModelKit;

/// <summary>
/// A shaped tensor for contracts whose shape is only known at run time: the elements (row-major) and the dimensions.
/// </summary>
/// <typeparam name="T">The element type (float, long, bool, string, <see cref="Half"/>, <see cref="BFloat16"/>…).</typeparam>
public sealed class ModelTensor<T>
{
    private readonly long[] _shape;

    /// <summary>Creates a tensor over <paramref name="data"/> (no copy).</summary>
    public ModelTensor(Memory<T> data, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = TensorShape.ElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"Shape {TensorShape.Format(shape)} holds {count} elements but the data has {data.Length}.", nameof(shape));
        }

        Data = data;
        _shape = shape;
    }

    /// <summary>Creates a tensor over an array (no copy).</summary>
    public ModelTensor(T[] data, params long[] shape) : this(data.AsMemory(), shape)
    {
    }

    /// <summary>The elements, row-major.</summary>
    public Memory<T> Data { get; }

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Data.Span;

    /// <summary>The dimensions.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The element at a flat (row-major) index.</summary>
    public T this[int index]
    {
        get => Data.Span[index];
        set => Data.Span[index] = value;
    }

    /// <summary>The element at a multi-dimensional index.</summary>
    public T this[params ReadOnlySpan<long> indices]
    {
        get => Data.Span[Offset(indices)];
        set => Data.Span[Offset(indices)] = value;
    }

    /// <summary>A copy of the dimensions.</summary>
    public long[] GetShape() => (long[])_shape.Clone();

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray() => Data.ToArray();

    internal long[] ShapeArray => _shape;

    private int Offset(ReadOnlySpan<long> indices)
    {
        if (indices.Length != _shape.Length)
        {
            throw new ArgumentException($"Expected {_shape.Length} indices, got {indices.Length}.", nameof(indices));
        }

        long offset = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            if ((ulong)indices[i] >= (ulong)_shape[i])
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {indices[i]} on axis {i} is outside [0, {_shape[i]}).");
            }

            offset = (offset * _shape[i]) + indices[i];
        }

        return (int)offset;
    }

    /// <summary>The tensor's type and shape, e.g. <c>ModelTensor&lt;Single&gt;[1,3,224,224]</c> (no data).</summary>
    public override string ToString() => $"ModelTensor<{typeof(T).Name}>{TensorShape.Format(_shape)}";
}
