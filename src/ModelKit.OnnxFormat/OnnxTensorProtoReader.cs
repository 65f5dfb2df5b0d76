using System.Text;
using ModelKit.OnnxFormat.Internal;

namespace ModelKit.OnnxFormat;

/// <summary>
/// Reads a serialized <c>onnx.TensorProto</c> (e.g. the <c>input_0.pb</c>/<c>output_0.pb</c> files of ONNX's backend tests):
/// name, dimensions, element type, and the elements from <c>raw_data</c> or the typed repeated fields, following ONNX's
/// packing rules (<c>int32_data</c> carries int8/uint8/int16/uint16/bool/float16/bfloat16 bits; <c>uint64_data</c> carries uint32/uint64).
/// </summary>
public static class OnnxTensorProtoReader
{
    /// <summary>Reads a TensorProto file.</summary>
    public static OnnxTensor ReadFile(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Reads TensorProto bytes.</summary>
    public static OnnxTensor Read(byte[] bytes)
    {
        if (bytes is null)
        {
            throw new ArgumentNullException(nameof(bytes));
        }

        return Read(bytes, 0, bytes.Length);
    }

    /// <summary>Reads a TensorProto from a segment of a byte array.</summary>
    public static OnnxTensor Read(byte[] bytes, int offset, int count)
    {
        if (bytes is null)
        {
            throw new ArgumentNullException(nameof(bytes));
        }

        try
        {
            return ReadTensor(new ProtoReader(bytes, offset, count));
        }
        catch (OnnxFormatException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException or DecoderFallbackException)
        {
            throw new OnnxFormatException($"Not a valid ONNX TensorProto: {ex.Message}", ex);
        }
    }

    private static OnnxTensor ReadTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        var dataType = OnnxDataType.Undefined;
        string name = string.Empty;
        (int Offset, int Count)? raw = null;
        var strings = new List<string>();
        var floatData = new List<(int Offset, int Count)>();
        var doubleData = new List<(int Offset, int Count)>();
        var floatSingles = new List<uint>();
        var doubleSingles = new List<ulong>();
        var int32Data = new List<long>();
        var int64Data = new List<long>();
        var uint64Data = new List<long>();
        bool external = false;
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case OnnxFields.TensorDims:
                    reader.ReadRepeatedVarint(wire, dims);
                    break;
                case OnnxFields.TensorDataType when wire == ProtoReader.WireVarint:
                    dataType = (OnnxDataType)reader.ReadInt64();
                    break;
                case OnnxFields.TensorName when wire == ProtoReader.WireLengthDelimited:
                    name = reader.ReadString();
                    break;
                case OnnxFields.TensorRawData when wire == ProtoReader.WireLengthDelimited:
                    raw = reader.ReadLengthDelimited();
                    break;
                case OnnxFields.TensorStringData when wire == ProtoReader.WireLengthDelimited:
                    strings.Add(reader.ReadString());
                    break;
                case OnnxFields.TensorFloatData when wire == ProtoReader.WireLengthDelimited:
                    floatData.Add(reader.ReadLengthDelimited());
                    break;
                case OnnxFields.TensorFloatData when wire == ProtoReader.WireFixed32:
                    floatSingles.Add(reader.ReadFixed32());
                    break;
                case OnnxFields.TensorDoubleData when wire == ProtoReader.WireLengthDelimited:
                    doubleData.Add(reader.ReadLengthDelimited());
                    break;
                case OnnxFields.TensorDoubleData when wire == ProtoReader.WireFixed64:
                    doubleSingles.Add(reader.ReadFixed64());
                    break;
                case OnnxFields.TensorInt32Data:
                    reader.ReadRepeatedVarint(wire, int32Data);
                    break;
                case OnnxFields.TensorInt64Data:
                    reader.ReadRepeatedVarint(wire, int64Data);
                    break;
                case OnnxFields.TensorUInt64Data:
                    reader.ReadRepeatedVarint(wire, uint64Data);
                    break;
                case OnnxFields.TensorDataLocation when wire == ProtoReader.WireVarint:
                    external = reader.ReadInt64() == 1;
                    break;
                default:
                    reader.SkipField(wire);
                    break;
            }
        }

        if (external)
        {
            throw new OnnxFormatException($"Tensor '{name}' keeps its data in an external file, which this reader does not follow.");
        }

        if (dataType == OnnxDataType.Undefined)
        {
            throw new OnnxFormatException($"Tensor '{name}' has no data_type.");
        }

        var shape = dims.ToArray();
        if (dataType == OnnxDataType.String)
        {
            return new OnnxTensor(name, shape, strings.ToArray());
        }

        int size = OnnxDataTypes.SizeOf(dataType);
        if (size == 0)
        {
            throw new OnnxFormatException($"Tensor '{name}' has element type {OnnxDataTypes.Name(dataType)}, which has no byte-aligned layout.");
        }

        byte[] data;
        if (raw is { } segment)
        {
            data = new byte[segment.Count];
            Buffer.BlockCopy(reader.Data, segment.Offset, data, 0, segment.Count);
        }
        else
        {
            data = TypedData(dataType, size, reader.Data, floatData, floatSingles, doubleData, doubleSingles, int32Data, int64Data, uint64Data);
        }

        return new OnnxTensor(name, dataType, shape, data);
    }

    private static byte[] TypedData(
        OnnxDataType type,
        int size,
        byte[] source,
        List<(int Offset, int Count)> floatData,
        List<uint> floatSingles,
        List<(int Offset, int Count)> doubleData,
        List<ulong> doubleSingles,
        List<long> int32Data,
        List<long> int64Data,
        List<long> uint64Data)
    {
        switch (type)
        {
            case OnnxDataType.Float:
            case OnnxDataType.Complex64:
                return Fixed(source, floatData, floatSingles.Select(static v => (ulong)v).ToList(), 4);
            case OnnxDataType.Double:
            case OnnxDataType.Complex128:
                return Fixed(source, doubleData, doubleSingles, 8);
            case OnnxDataType.Int64:
                return Integers(int64Data, 8);
            case OnnxDataType.UInt32:
            case OnnxDataType.UInt64:
                return Integers(uint64Data, size);
            default:
                // int32_data carries int32, int16, int8, uint16, uint8, bool, float16/bfloat16 bits and float8 bits.
                return Integers(int32Data, size);
        }
    }

    /// <summary>Packed fixed32/fixed64 fields are already little-endian element bytes.</summary>
    private static byte[] Fixed(byte[] source, List<(int Offset, int Count)> packed, List<ulong> singles, int size)
    {
        long total = packed.Sum(static p => (long)p.Count) + ((long)singles.Count * size);
        var data = new byte[total];
        int position = 0;
        foreach (var (offset, count) in packed)
        {
            if (count % size != 0)
            {
                throw new OnnxFormatException($"A packed field of {count} bytes is not a whole number of {size}-byte elements.");
            }

            Buffer.BlockCopy(source, offset, data, position, count);
            position += count;
        }

        foreach (ulong value in singles)
        {
            for (int b = 0; b < size; b++)
            {
                data[position++] = (byte)(value >> (8 * b));
            }
        }

        return data;
    }

    /// <summary>Truncates each varint to <paramref name="size"/> little-endian bytes.</summary>
    private static byte[] Integers(List<long> values, int size)
    {
        var data = new byte[(long)values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            ulong value = unchecked((ulong)values[i]);
            for (int b = 0; b < size; b++)
            {
                data[(i * size) + b] = (byte)(value >> (8 * b));
            }
        }

        return data;
    }
}
