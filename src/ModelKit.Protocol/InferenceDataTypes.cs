namespace ModelKit.Protocol;

/// <summary>
/// The protocol's tensor datatypes (<c>BOOL</c>, <c>UINT8</c>…<c>UINT64</c>, <c>INT8</c>…<c>INT64</c>, <c>FP16</c>, <c>BF16</c>,
/// <c>FP32</c>, <c>FP64</c>, <c>BYTES</c>) and their <see cref="TensorElementType"/>s. <c>BYTES</c> maps to
/// <see cref="TensorElementType.String"/> (UTF-8 on the wire).
/// </summary>
public static class InferenceDataTypes
{
    /// <summary><c>BOOL</c>: one byte per element, 0 or 1.</summary>
    public const string Bool = "BOOL";
    /// <summary><c>UINT8</c>: 8-bit unsigned integer.</summary>
    public const string UInt8 = "UINT8";
    /// <summary><c>UINT16</c>: 16-bit unsigned integer.</summary>
    public const string UInt16 = "UINT16";
    /// <summary><c>UINT32</c>: 32-bit unsigned integer.</summary>
    public const string UInt32 = "UINT32";
    /// <summary><c>UINT64</c>: 64-bit unsigned integer.</summary>
    public const string UInt64 = "UINT64";
    /// <summary><c>INT8</c>: 8-bit signed integer.</summary>
    public const string Int8 = "INT8";
    /// <summary><c>INT16</c>: 16-bit signed integer.</summary>
    public const string Int16 = "INT16";
    /// <summary><c>INT32</c>: 32-bit signed integer.</summary>
    public const string Int32 = "INT32";
    /// <summary><c>INT64</c>: 64-bit signed integer.</summary>
    public const string Int64 = "INT64";
    /// <summary><c>FP16</c>: IEEE 754 half precision (binary data only; JSON carries numbers).</summary>
    public const string Fp16 = "FP16";
    /// <summary><c>BF16</c>: bfloat16 (binary data only; JSON carries numbers).</summary>
    public const string Bf16 = "BF16";
    /// <summary><c>FP32</c>: IEEE 754 single precision.</summary>
    public const string Fp32 = "FP32";
    /// <summary><c>FP64</c>: IEEE 754 double precision.</summary>
    public const string Fp64 = "FP64";
    /// <summary><c>BYTES</c>: variable-length byte strings; ModelKit maps them to UTF-8 strings (<see cref="TensorElementType.String"/>).</summary>
    public const string Bytes = "BYTES";

    /// <summary>Every datatype, in the protocol's table order.</summary>
    public static IReadOnlyList<string> All { get; } = [Bool, UInt8, UInt16, UInt32, UInt64, Int8, Int16, Int32, Int64, Fp16, Bf16, Fp32, Fp64, Bytes];

    /// <summary>The datatype of an element type; throws for <see cref="TensorElementType.Undefined"/>.</summary>
    public static string FromElementType(TensorElementType type) => type switch
    {
        TensorElementType.Bool => Bool,
        TensorElementType.UInt8 => UInt8,
        TensorElementType.UInt16 => UInt16,
        TensorElementType.UInt32 => UInt32,
        TensorElementType.UInt64 => UInt64,
        TensorElementType.Int8 => Int8,
        TensorElementType.Int16 => Int16,
        TensorElementType.Int32 => Int32,
        TensorElementType.Int64 => Int64,
        TensorElementType.Float16 => Fp16,
        TensorElementType.BFloat16 => Bf16,
        TensorElementType.Float => Fp32,
        TensorElementType.Double => Fp64,
        TensorElementType.String or TensorElementType.Binary => Bytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "The element type has no Open Inference Protocol datatype."),
    };

    /// <summary>The element type of a datatype (case-sensitive, as the protocol says), or false.</summary>
    public static bool TryGetElementType(string? datatype, out TensorElementType type)
    {
        type = datatype switch
        {
            Bool => TensorElementType.Bool,
            UInt8 => TensorElementType.UInt8,
            UInt16 => TensorElementType.UInt16,
            UInt32 => TensorElementType.UInt32,
            UInt64 => TensorElementType.UInt64,
            Int8 => TensorElementType.Int8,
            Int16 => TensorElementType.Int16,
            Int32 => TensorElementType.Int32,
            Int64 => TensorElementType.Int64,
            Fp16 => TensorElementType.Float16,
            Bf16 => TensorElementType.BFloat16,
            Fp32 => TensorElementType.Float,
            Fp64 => TensorElementType.Double,
            Bytes => TensorElementType.String,
            _ => TensorElementType.Undefined,
        };
        return type != TensorElementType.Undefined;
    }

    /// <summary>The element type of a datatype; throws <see cref="ProtocolException"/> (<see cref="ProtocolErrorKind.UnknownDatatype"/>) for an unknown one.</summary>
    public static TensorElementType GetElementType(string? datatype, string tensorName)
    {
        if (TryGetElementType(datatype, out var type))
        {
            return type;
        }

        throw new ProtocolException(ProtocolErrorKind.UnknownDatatype,
            $"Tensor '{tensorName}' has datatype '{datatype}', which the protocol does not define; use one of {string.Join(", ", All)}.");
    }

    /// <summary>Bytes per element on the wire (0 for BYTES, whose elements are length-prefixed).</summary>
    public static int SizeOf(TensorElementType type) => TensorElementTypes.SizeOf(type);

    /// <summary>Whether the datatype can only travel as binary data (FP16, BF16: JSON has no representation for them).</summary>
    public static bool RequiresBinary(TensorElementType type) => type is TensorElementType.Float16 or TensorElementType.BFloat16;
}
