using System.Text;

namespace ModelKit.OnnxFormat.Internal;

/// <summary>Writes protobuf wire format (varint, length-delimited, fixed32/64) into a growable buffer.</summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private byte[] _buffer;
    private int _length;

    public ProtoWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    public int Length => _length;

    public byte[] ToArray()
    {
        var result = new byte[_length];
        Buffer.BlockCopy(_buffer, 0, result, 0, _length);
        return result;
    }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    public void WriteUInt64(int field, ulong value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        WriteFixed32Raw(BitConverter.GetBytes(value));
    }

    public void WriteDouble(int field, double value)
    {
        WriteTag(field, WireFixed64);
        WriteFixed64Raw(unchecked((ulong)BitConverter.DoubleToInt64Bits(value)));
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, byte[] value) => WriteBytes(field, value, 0, value.Length);

    public void WriteBytes(int field, byte[] value, int offset, int count)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)count);
        Ensure(count);
        Buffer.BlockCopy(value, offset, _buffer, _length, count);
        _length += count;
    }

    public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message._buffer, 0, message._length);

    /// <summary>Writes a packed repeated varint field (int32/int64/uint64 values as two's-complement varints).</summary>
    public void WritePackedVarints(int field, IReadOnlyList<long> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        var packed = new ProtoWriter(values.Count * 2);
        for (int i = 0; i < values.Count; i++)
        {
            packed.WriteVarint(unchecked((ulong)values[i]));
        }

        WriteMessage(field, packed);
    }

    /// <summary>Writes a packed repeated varint field of unsigned values.</summary>
    public void WritePackedUVarints(int field, IReadOnlyList<ulong> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        var packed = new ProtoWriter(values.Count * 2);
        for (int i = 0; i < values.Count; i++)
        {
            packed.WriteVarint(values[i]);
        }

        WriteMessage(field, packed);
    }

    /// <summary>Writes already little-endian fixed-size elements as a packed field (float/double data).</summary>
    public void WritePackedFixed(int field, byte[] littleEndian)
    {
        if (littleEndian.Length == 0)
        {
            return;
        }

        WriteBytes(field, littleEndian);
    }

    public void WriteVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    private void WriteTag(int field, int wireType) => WriteVarint((uint)((field << 3) | wireType));

    private void WriteFixed32Raw(byte[] bytes)
    {
        Ensure(4);
        if (!BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }

        Buffer.BlockCopy(bytes, 0, _buffer, _length, 4);
        _length += 4;
    }

    private void WriteFixed64Raw(ulong value)
    {
        Ensure(8);
        for (int i = 0; i < 8; i++)
        {
            _buffer[_length++] = (byte)(value >> (8 * i));
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        long size = Math.Max((long)_buffer.Length * 2, (long)_length + extra);
        if (size > int.MaxValue - 64)
        {
            size = (long)_length + extra;
            if (size > int.MaxValue - 64)
            {
                throw new InvalidOperationException("An ONNX protobuf message cannot exceed 2 GB.");
            }
        }

        var grown = new byte[size];
        Buffer.BlockCopy(_buffer, 0, grown, 0, _length);
        _buffer = grown;
    }
}
