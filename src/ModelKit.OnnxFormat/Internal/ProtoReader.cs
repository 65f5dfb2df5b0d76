using System.Text;

namespace ModelKit.OnnxFormat.Internal;

/// <summary>Reads protobuf wire format from a segment of a byte array, without copying.</summary>
internal struct ProtoReader
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireStartGroup = 3;
    public const int WireEndGroup = 4;
    public const int WireFixed32 = 5;

    private readonly byte[] _data;
    private readonly int _end;
    private int _position;

    public ProtoReader(byte[] data)
        : this(data, 0, data.Length)
    {
    }

    public ProtoReader(byte[] data, int offset, int count)
    {
        if (offset < 0 || count < 0 || offset > data.Length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _data = data;
        _position = offset;
        _end = offset + count;
    }

    public readonly byte[] Data => _data;

    public readonly bool AtEnd => _position >= _end;

    public bool TryReadTag(out int field, out int wireType)
    {
        if (_position >= _end)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        ulong tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0)
        {
            throw new OnnxFormatException($"Invalid protobuf field number {field} at byte {_position}.");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end)
            {
                throw Truncated();
            }

            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new OnnxFormatException("Malformed protobuf varint (more than 10 bytes).");
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    public uint ReadFixed32()
    {
        Require(4);
        uint value = (uint)(_data[_position] | (_data[_position + 1] << 8) | (_data[_position + 2] << 16) | (_data[_position + 3] << 24));
        _position += 4;
        return value;
    }

    public ulong ReadFixed64()
    {
        ulong low = ReadFixed32();
        ulong high = ReadFixed32();
        return low | (high << 32);
    }

    public float ReadFloat()
    {
        Require(4);
        float value;
        if (BitConverter.IsLittleEndian)
        {
            value = BitConverter.ToSingle(_data, _position);
        }
        else
        {
            var bytes = new byte[4];
            Buffer.BlockCopy(_data, _position, bytes, 0, 4);
            Array.Reverse(bytes);
            value = BitConverter.ToSingle(bytes, 0);
        }

        _position += 4;
        return value;
    }

    /// <summary>Reads a length prefix and returns the segment it covers (offset into <see cref="Data"/>, count).</summary>
    public (int Offset, int Count) ReadLengthDelimited()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position))
        {
            throw Truncated();
        }

        int offset = _position;
        _position += (int)length;
        return (offset, (int)length);
    }

    public ProtoReader ReadMessage()
    {
        var (offset, count) = ReadLengthDelimited();
        return new ProtoReader(_data, offset, count);
    }

    public string ReadString()
    {
        var (offset, count) = ReadLengthDelimited();
        return Encoding.UTF8.GetString(_data, offset, count);
    }

    public byte[] ReadBytes()
    {
        var (offset, count) = ReadLengthDelimited();
        var bytes = new byte[count];
        Buffer.BlockCopy(_data, offset, bytes, 0, count);
        return bytes;
    }

    /// <summary>Reads a repeated varint field in either packed or unpacked form, appending to <paramref name="values"/>.</summary>
    public void ReadRepeatedVarint(int wireType, List<long> values)
    {
        if (wireType == WireLengthDelimited)
        {
            var packed = ReadMessage();
            while (!packed.AtEnd)
            {
                values.Add(packed.ReadInt64());
            }
        }
        else if (wireType == WireVarint)
        {
            values.Add(ReadInt64());
        }
        else
        {
            throw new OnnxFormatException($"Unexpected wire type {wireType} for a repeated varint field.");
        }
    }

    public void SkipField(int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                Require(8);
                _position += 8;
                break;
            case WireLengthDelimited:
                ReadLengthDelimited();
                break;
            case WireStartGroup:
                while (TryReadTag(out _, out int inner))
                {
                    if (inner == WireEndGroup)
                    {
                        return;
                    }

                    SkipField(inner);
                }

                throw Truncated();
            case WireFixed32:
                Require(4);
                _position += 4;
                break;
            default:
                throw new OnnxFormatException($"Unknown protobuf wire type {wireType}.");
        }
    }

    private readonly void Require(int bytes)
    {
        if (_end - _position < bytes)
        {
            throw Truncated();
        }
    }

    private static OnnxFormatException Truncated() => new("The protobuf message is truncated.");
}
