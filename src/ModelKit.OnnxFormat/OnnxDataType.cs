namespace ModelKit.OnnxFormat;

/// <summary>An ONNX tensor element type. Values match <c>onnx.TensorProto.DataType</c>.</summary>
public enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
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
