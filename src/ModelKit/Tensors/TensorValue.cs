namespace ModelKit;

/// <summary>A tensor: element type, shape and elements. The seam every backend, codec and the batcher carry.</summary>
public readonly struct TensorValue
{
    /// <summary>Creates a tensor value; the shape's element count must match the buffer's length.</summary>
    public TensorValue(long[] shape, TensorBuffer buffer)
    {
        Shape = shape ?? throw new ArgumentNullException(nameof(shape));
        Buffer = buffer;
    }

    /// <summary>The dimensions (empty for a scalar). Treat as read-only.</summary>
    public long[] Shape { get; }

    /// <summary>The elements, row-major.</summary>
    public TensorBuffer Buffer { get; }

    /// <summary>The element type.</summary>
    public TensorElementType ElementType => Buffer.ElementType;

    /// <summary>Whether the value holds a tensor.</summary>
    public bool HasValue => Shape is not null;

    /// <summary>Creates a tensor over an array.</summary>
    public static TensorValue Create<T>(T[] data, params long[] shape) => new(shape, TensorBuffer.FromArray(data));

    /// <summary>Creates a tensor over memory.</summary>
    public static TensorValue Create<T>(ReadOnlyMemory<T> data, params long[] shape) => new(shape, TensorBuffer.FromMemory(data));

    /// <summary>The shape as text, e.g. <c>[1,1,28,28]</c>.</summary>
    public string ShapeText => TensorShape.Format(Shape);

    /// <summary>The tensor's ONNX type and shape, e.g. <c>float[1,10]</c> (no data).</summary>
    public override string ToString() => $"{TensorElementTypes.OnnxName(ElementType)}{ShapeText}";
}

/// <summary>A tensor with its name.</summary>
public readonly record struct NamedTensor(string Name, TensorValue Value);
