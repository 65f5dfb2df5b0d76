using System.Runtime.CompilerServices;

namespace ModelKit;

/// <summary>Facts about <see cref="TensorElementType"/> values and the CLR types that carry them.</summary>
public static class TensorElementTypes
{
    /// <summary>The element type carried by <typeparamref name="T"/>, or <see cref="TensorElementType.Undefined"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TensorElementType Of<T>()
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(double)) return TensorElementType.Double;
        if (typeof(T) == typeof(sbyte)) return TensorElementType.Int8;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(short)) return TensorElementType.Int16;
        if (typeof(T) == typeof(ushort)) return TensorElementType.UInt16;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(uint)) return TensorElementType.UInt32;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(ulong)) return TensorElementType.UInt64;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        if (typeof(T) == typeof(string)) return TensorElementType.String;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        if (typeof(T) == typeof(BFloat16)) return TensorElementType.BFloat16;
        if (typeof(T) == typeof(ReadOnlyMemory<byte>)) return TensorElementType.Binary;
        return TensorElementType.Undefined;
    }

    /// <summary>Size of one element in bytes (0 for strings and undefined).</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => 8,
        TensorElementType.Int16 or TensorElementType.UInt16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        _ => 0,
    };

    /// <summary>The C# keyword or type name used for the element type in contracts.</summary>
    public static string ClrName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float",
        TensorElementType.Double => "double",
        TensorElementType.Int8 => "sbyte",
        TensorElementType.UInt8 => "byte",
        TensorElementType.Int16 => "short",
        TensorElementType.UInt16 => "ushort",
        TensorElementType.Int32 => "int",
        TensorElementType.UInt32 => "uint",
        TensorElementType.Int64 => "long",
        TensorElementType.UInt64 => "ulong",
        TensorElementType.Bool => "bool",
        TensorElementType.String => "string",
        TensorElementType.Float16 => "System.Half",
        TensorElementType.BFloat16 => "ModelKit.BFloat16",
        TensorElementType.Binary => "System.ReadOnlyMemory<byte>",
        _ => "undefined",
    };

    /// <summary>The ONNX name of the element type (e.g. <c>FLOAT</c>, <c>INT64</c>).</summary>
    public static string OnnxName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FLOAT",
        TensorElementType.Double => "DOUBLE",
        TensorElementType.Int8 => "INT8",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Bool => "BOOL",
        TensorElementType.String => "STRING",
        TensorElementType.Float16 => "FLOAT16",
        TensorElementType.BFloat16 => "BFLOAT16",
        TensorElementType.Binary => "BINARY",
        _ => "UNDEFINED",
    };

    /// <summary>Allocates a managed array of <paramref name="length"/> elements of the type, as a buffer.</summary>
    public static TensorBuffer Allocate(TensorElementType type, int length) => type switch
    {
        TensorElementType.Float => TensorBuffer.FromArray(new float[length]),
        TensorElementType.Double => TensorBuffer.FromArray(new double[length]),
        TensorElementType.Int8 => TensorBuffer.FromArray(new sbyte[length]),
        TensorElementType.UInt8 => TensorBuffer.FromArray(new byte[length]),
        TensorElementType.Int16 => TensorBuffer.FromArray(new short[length]),
        TensorElementType.UInt16 => TensorBuffer.FromArray(new ushort[length]),
        TensorElementType.Int32 => TensorBuffer.FromArray(new int[length]),
        TensorElementType.UInt32 => TensorBuffer.FromArray(new uint[length]),
        TensorElementType.Int64 => TensorBuffer.FromArray(new long[length]),
        TensorElementType.UInt64 => TensorBuffer.FromArray(new ulong[length]),
        TensorElementType.Bool => TensorBuffer.FromArray(new bool[length]),
        TensorElementType.String => TensorBuffer.FromArray(CreateStrings(length)),
        TensorElementType.Float16 => TensorBuffer.FromArray(new Half[length]),
        TensorElementType.BFloat16 => TensorBuffer.FromArray(new BFloat16[length]),
        TensorElementType.Binary => TensorBuffer.FromArray(new ReadOnlyMemory<byte>[length]),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unsupported tensor element type."),
    };

    private static string[] CreateStrings(int length)
    {
        var strings = new string[length];
        Array.Fill(strings, string.Empty);
        return strings;
    }
}
