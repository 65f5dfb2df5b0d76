namespace ModelKit;

/// <summary>A tensor's element type. Values match ONNX's <c>TensorProto.DataType</c>.</summary>
public enum TensorElementType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>32-bit float (<see cref="float"/>).</summary>
    Float = 1,
    /// <summary>8-bit unsigned integer (<see cref="byte"/>).</summary>
    UInt8 = 2,
    /// <summary>8-bit signed integer (<see cref="sbyte"/>).</summary>
    Int8 = 3,
    /// <summary>16-bit unsigned integer (<see cref="ushort"/>).</summary>
    UInt16 = 4,
    /// <summary>16-bit signed integer (<see cref="short"/>).</summary>
    Int16 = 5,
    /// <summary>32-bit signed integer (<see cref="int"/>).</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer (<see cref="long"/>).</summary>
    Int64 = 7,
    /// <summary>Strings (<see cref="string"/>; UTF-8 in ONNX).</summary>
    String = 8,
    /// <summary>Boolean (<see cref="bool"/>).</summary>
    Bool = 9,
    /// <summary>16-bit half-precision float (<see cref="System.Half"/>).</summary>
    Float16 = 10,
    /// <summary>64-bit float (<see cref="double"/>).</summary>
    Double = 11,
    /// <summary>32-bit unsigned integer (<see cref="uint"/>).</summary>
    UInt32 = 12,
    /// <summary>64-bit unsigned integer (<see cref="ulong"/>).</summary>
    UInt64 = 13,
    /// <summary>bfloat16 (<see cref="ModelKit.BFloat16"/>).</summary>
    BFloat16 = 16,
    /// <summary>
    /// Binary elements (<see cref="System.ReadOnlyMemory{T}"/> of <see cref="byte"/> each): an encoded image, a file — the Open
    /// Inference Protocol's <c>BYTES</c> when its elements are raw bytes rather than UTF-8 text. Not an ONNX type (ONNX Runtime
    /// cannot run it); protocol backends (remote endpoints, served pipelines) carry it.
    /// </summary>
    Binary = 256,
}
