namespace ModelKit.OnnxFormat;

/// <summary>An ONNX tensor element type. Values match <c>onnx.TensorProto.DataType</c>.</summary>
public enum OnnxDataType
{
    /// <summary>Not set (an invalid tensor).</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE 754 float.</summary>
    Float = 1,
    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 2,
    /// <summary>8-bit signed integer.</summary>
    Int8 = 3,
    /// <summary>16-bit unsigned integer.</summary>
    UInt16 = 4,
    /// <summary>16-bit signed integer.</summary>
    Int16 = 5,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,
    /// <summary>Variable-length byte strings (UTF-8 text by convention).</summary>
    String = 8,
    /// <summary>Boolean, one byte per element.</summary>
    Bool = 9,
    /// <summary>16-bit IEEE 754 half-precision float.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE 754 float.</summary>
    Double = 11,
    /// <summary>32-bit unsigned integer.</summary>
    UInt32 = 12,
    /// <summary>64-bit unsigned integer.</summary>
    UInt64 = 13,
    /// <summary>Complex number of two 32-bit floats (real, imaginary).</summary>
    Complex64 = 14,
    /// <summary>Complex number of two 64-bit floats (real, imaginary).</summary>
    Complex128 = 15,
    /// <summary>bfloat16: the upper 16 bits of a 32-bit float.</summary>
    BFloat16 = 16,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits, finite only (no infinities), with NaN (ONNX 1.14).</summary>
    Float8E4M3FN = 17,
    /// <summary>8-bit float E4M3 with no negative zero (NaN is 0x80) (ONNX 1.14).</summary>
    Float8E4M3FNUZ = 18,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits, with infinities and NaN (ONNX 1.14).</summary>
    Float8E5M2 = 19,
    /// <summary>8-bit float E5M2 with no negative zero and no infinities (NaN is 0x80) (ONNX 1.14).</summary>
    Float8E5M2FNUZ = 20,
}

/// <summary>Facts about <see cref="OnnxDataType"/> values.</summary>
public static class OnnxDataTypes
{
    /// <summary>Bytes per element in the little-endian raw layout; 0 for strings and types without a byte-aligned layout.</summary>
    public static int SizeOf(OnnxDataType type) => type switch
    {
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 or OnnxDataType.Complex64 => 8,
        OnnxDataType.Complex128 => 16,
        OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Float16 or OnnxDataType.BFloat16 => 2,
        OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
        OnnxDataType.Float8E4M3FN or OnnxDataType.Float8E4M3FNUZ or OnnxDataType.Float8E5M2 or OnnxDataType.Float8E5M2FNUZ => 1,
        _ => 0,
    };

    /// <summary>ONNX's lower-case name of the type (<c>float</c>, <c>int64</c>, <c>bfloat16</c>…).</summary>
    public static string Name(OnnxDataType type) => type switch
    {
        OnnxDataType.Float => "float",
        OnnxDataType.UInt8 => "uint8",
        OnnxDataType.Int8 => "int8",
        OnnxDataType.UInt16 => "uint16",
        OnnxDataType.Int16 => "int16",
        OnnxDataType.Int32 => "int32",
        OnnxDataType.Int64 => "int64",
        OnnxDataType.String => "string",
        OnnxDataType.Bool => "bool",
        OnnxDataType.Float16 => "float16",
        OnnxDataType.Double => "double",
        OnnxDataType.UInt32 => "uint32",
        OnnxDataType.UInt64 => "uint64",
        OnnxDataType.Complex64 => "complex64",
        OnnxDataType.Complex128 => "complex128",
        OnnxDataType.BFloat16 => "bfloat16",
        OnnxDataType.Float8E4M3FN => "float8e4m3fn",
        OnnxDataType.Float8E4M3FNUZ => "float8e4m3fnuz",
        OnnxDataType.Float8E5M2 => "float8e5m2",
        OnnxDataType.Float8E5M2FNUZ => "float8e5m2fnuz",
        OnnxDataType.Undefined => "undefined",
        _ => "type" + ((int)type).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
