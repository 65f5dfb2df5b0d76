namespace ModelKit.OnnxFormat;

/// <summary>How <see cref="OnnxTensor.ToBytes(OnnxTensorEncoding)"/> stores the elements of a fixed-size tensor.</summary>
public enum OnnxTensorEncoding
{
    /// <summary>Little-endian bytes in <c>raw_data</c> (what exporters normally write).</summary>
    RawData,

    /// <summary>The typed repeated fields (<c>float_data</c>, <c>int32_data</c>, <c>int64_data</c>, <c>double_data</c>, <c>uint64_data</c>).</summary>
    TypedFields,
}

/// <summary>
/// An ONNX <c>TensorProto</c>: a name, an element type, dimensions and the elements, held as little-endian bytes
/// (fixed-size types) or as strings (<see cref="OnnxDataType.String"/>).
/// </summary>
public sealed class OnnxTensor
{
    private readonly byte[]? _data;
    private readonly string[]? _strings;

    /// <summary>Creates a fixed-size tensor over little-endian element bytes (no copy).</summary>
    public OnnxTensor(string name, OnnxDataType dataType, long[] dims, byte[] littleEndianData)
    {
        if (dataType == OnnxDataType.String)
        {
            throw new ArgumentException("Use the string[] constructor for string tensors.", nameof(dataType));
        }

        int size = OnnxDataTypes.SizeOf(dataType);
        if (size == 0)
        {
            throw new ArgumentException($"{OnnxDataTypes.Name(dataType)} tensors have no byte-aligned layout.", nameof(dataType));
        }

        Name = name ?? throw new ArgumentNullException(nameof(name));
        DataType = dataType;
        Dims = dims ?? throw new ArgumentNullException(nameof(dims));
        _data = littleEndianData ?? throw new ArgumentNullException(nameof(littleEndianData));
        if (littleEndianData.Length % size != 0)
        {
            throw new ArgumentException($"{littleEndianData.Length} bytes is not a whole number of {OnnxDataTypes.Name(dataType)} elements.", nameof(littleEndianData));
        }

        CheckCount(littleEndianData.Length / size, nameof(dims));
    }

    /// <summary>Creates a string tensor (no copy).</summary>
    public OnnxTensor(string name, long[] dims, string[] strings)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        DataType = OnnxDataType.String;
        Dims = dims ?? throw new ArgumentNullException(nameof(dims));
        _strings = strings ?? throw new ArgumentNullException(nameof(strings));
        CheckCount(strings.Length, nameof(dims));
    }

    /// <summary>The tensor's name (an initializer's graph name; may be empty).</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>The dimensions (empty for a scalar).</summary>
    public long[] Dims { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount => _strings?.Length ?? (_data!.Length / OnnxDataTypes.SizeOf(DataType));

    /// <summary>The elements as little-endian bytes; null for string tensors.</summary>
    public byte[]? Data => _data;

    /// <summary>The elements of a string tensor; null otherwise.</summary>
    public string[]? Strings => _strings;

    /// <summary>A tensor from any unmanaged element array whose layout matches <paramref name="dataType"/> (e.g. <c>ushort</c> bits for bfloat16). The elements are copied.</summary>
    public static OnnxTensor Create<T>(string name, OnnxDataType dataType, T[] data, params long[] dims)
        where T : unmanaged
    {
        if (data is null)
        {
            throw new ArgumentNullException(nameof(data));
        }

        return new OnnxTensor(name, dataType, dims, ToBytes(data));
    }

    /// <summary>A float tensor.</summary>
    public static OnnxTensor Create(string name, float[] data, params long[] dims) => Create(name, OnnxDataType.Float, data, dims);

    /// <summary>A double tensor.</summary>
    public static OnnxTensor Create(string name, double[] data, params long[] dims) => Create(name, OnnxDataType.Double, data, dims);

    /// <summary>An int8 tensor.</summary>
    public static OnnxTensor Create(string name, sbyte[] data, params long[] dims) => Create(name, OnnxDataType.Int8, data, dims);

    /// <summary>A uint8 tensor.</summary>
    public static OnnxTensor Create(string name, byte[] data, params long[] dims) => Create(name, OnnxDataType.UInt8, data, dims);

    /// <summary>An int16 tensor.</summary>
    public static OnnxTensor Create(string name, short[] data, params long[] dims) => Create(name, OnnxDataType.Int16, data, dims);

    /// <summary>A uint16 tensor.</summary>
    public static OnnxTensor Create(string name, ushort[] data, params long[] dims) => Create(name, OnnxDataType.UInt16, data, dims);

    /// <summary>An int32 tensor.</summary>
    public static OnnxTensor Create(string name, int[] data, params long[] dims) => Create(name, OnnxDataType.Int32, data, dims);

    /// <summary>A uint32 tensor.</summary>
    public static OnnxTensor Create(string name, uint[] data, params long[] dims) => Create(name, OnnxDataType.UInt32, data, dims);

    /// <summary>An int64 tensor.</summary>
    public static OnnxTensor Create(string name, long[] data, params long[] dims) => Create(name, OnnxDataType.Int64, data, dims);

    /// <summary>A uint64 tensor.</summary>
    public static OnnxTensor Create(string name, ulong[] data, params long[] dims) => Create(name, OnnxDataType.UInt64, data, dims);

    /// <summary>A bool tensor.</summary>
    public static OnnxTensor Create(string name, bool[] data, params long[] dims) => Create(name, OnnxDataType.Bool, data, dims);

    /// <summary>A string tensor.</summary>
    public static OnnxTensor Create(string name, string[] data, params long[] dims) => new(name, dims, (string[])data.Clone());

#if NET5_0_OR_GREATER
    /// <summary>A float16 tensor.</summary>
    public static OnnxTensor Create(string name, Half[] data, params long[] dims) => Create(name, OnnxDataType.Float16, data, dims);
#endif

    /// <summary>The elements reinterpreted as <typeparamref name="T"/> (whose size must match the element type's).</summary>
    public T[] GetData<T>()
        where T : unmanaged
    {
        if (_data is null)
        {
            throw new InvalidOperationException("A string tensor has no fixed-size elements; read Strings.");
        }

        int size = SizeOf<T>();
        if (size != OnnxDataTypes.SizeOf(DataType))
        {
            throw new InvalidOperationException($"{typeof(T).Name} ({size} bytes) does not match {OnnxDataTypes.Name(DataType)} ({OnnxDataTypes.SizeOf(DataType)} bytes).");
        }

        var result = new T[_data.Length / size];
        CopyBytes(_data, result);
        return result;
    }

    /// <summary>Serializes the tensor as an ONNX <c>TensorProto</c>.</summary>
    public byte[] ToBytes(OnnxTensorEncoding encoding = OnnxTensorEncoding.RawData)
    {
        var writer = new Internal.ProtoWriter(64 + (_data?.Length ?? 0));
        Internal.OnnxProtoWriter.WriteTensor(writer, this, encoding);
        return writer.ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {OnnxDataTypes.Name(DataType)}[{string.Join(",", Dims)}]";

    internal static unsafe byte[] ToBytes<T>(T[] data)
        where T : unmanaged
    {
        int size = sizeof(T);
        var bytes = new byte[(long)data.Length * size];
        if (bytes.Length > 0)
        {
            fixed (T* source = data)
            fixed (byte* target = bytes)
            {
                Buffer.MemoryCopy(source, target, bytes.Length, bytes.Length);
            }
        }

        if (!BitConverter.IsLittleEndian && size > 1)
        {
            for (int i = 0; i < bytes.Length; i += size)
            {
                Array.Reverse(bytes, i, size);
            }
        }

        return bytes;
    }

    private static unsafe int SizeOf<T>()
        where T : unmanaged => sizeof(T);

    private static unsafe void CopyBytes<T>(byte[] bytes, T[] target)
        where T : unmanaged
    {
        if (bytes.Length == 0)
        {
            return;
        }

        var source = bytes;
        int size = sizeof(T);
        if (!BitConverter.IsLittleEndian && size > 1)
        {
            source = (byte[])bytes.Clone();
            for (int i = 0; i < source.Length; i += size)
            {
                Array.Reverse(source, i, size);
            }
        }

        fixed (byte* from = source)
        fixed (T* to = target)
        {
            Buffer.MemoryCopy(from, to, (long)target.Length * size, source.Length);
        }
    }

    private void CheckCount(long count, string paramName)
    {
        long expected = 1;
        foreach (long d in Dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Tensor '{Name}' has a negative dimension {d}.", paramName);
            }

            expected *= d;
        }

        if (expected != count)
        {
            throw new ArgumentException($"Tensor '{Name}' of shape [{string.Join(",", Dims)}] needs {expected} elements but has {count}.", paramName);
        }
    }
}
