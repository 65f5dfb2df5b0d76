namespace ModelKit.OnnxFormat.Internal;

/// <summary>
/// Reads protobuf wire format from a stream, tracking the position so that large fields (weights) can be skipped
/// by seeking instead of being read.
/// </summary>
internal sealed class ProtoStreamReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _bufferStart;
    private int _bufferEnd;
    private long _position;

    public ProtoStreamReader(Stream stream, int bufferSize = 1024)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes consumed so far.</summary>
    public long Position => _position;

    /// <summary>Reads a tag when <see cref="Position"/> is before <paramref name="limit"/> (and the stream has more bytes).</summary>
    public bool TryReadTag(long limit, out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (_position >= limit || !EnsureAvailable(1, allowEnd: true))
        {
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
            EnsureAvailable(1, allowEnd: false);
            byte b = _buffer[_bufferStart++];
            _position++;
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new OnnxFormatException("Malformed protobuf varint (more than 10 bytes).");
    }

    /// <summary>Reads a length prefix; returns the absolute position where the field ends.</summary>
    public long ReadLengthPrefix(long limit)
    {
        ulong length = ReadVarint();
        if (length > (ulong)(limit - _position))
        {
            throw new OnnxFormatException($"A protobuf field of {length} bytes at byte {_position} runs past its enclosing message.");
        }

        return _position + (long)length;
    }

    /// <summary>Reads a length-delimited field's bytes (for small messages: value infos, opset imports, names).</summary>
    public byte[] ReadLengthDelimitedBytes(long limit)
    {
        long end = ReadLengthPrefix(limit);
        long length = end - _position;
        if (length > int.MaxValue)
        {
            throw new OnnxFormatException("A protobuf field is too large to read.");
        }

        var bytes = new byte[length];
        int copied = 0;
        while (copied < bytes.Length)
        {
            EnsureAvailable(1, allowEnd: false);
            int chunk = Math.Min(_bufferEnd - _bufferStart, bytes.Length - copied);
            Buffer.BlockCopy(_buffer, _bufferStart, bytes, copied, chunk);
            _bufferStart += chunk;
            _position += chunk;
            copied += chunk;
        }

        return bytes;
    }

    public void SkipField(int wireType, long limit)
    {
        switch (wireType)
        {
            case ProtoReader.WireVarint:
                ReadVarint();
                break;
            case ProtoReader.WireFixed64:
                Skip(8);
                break;
            case ProtoReader.WireFixed32:
                Skip(4);
                break;
            case ProtoReader.WireLengthDelimited:
                SkipTo(ReadLengthPrefix(limit));
                break;
            case ProtoReader.WireStartGroup:
                while (TryReadTag(limit, out _, out int inner))
                {
                    if (inner == ProtoReader.WireEndGroup)
                    {
                        return;
                    }

                    SkipField(inner, limit);
                }

                throw new OnnxFormatException("The protobuf message is truncated.");
            default:
                throw new OnnxFormatException($"Unknown protobuf wire type {wireType}.");
        }
    }

    /// <summary>Moves forward to an absolute position: inside the buffer, by seeking, or by reading and discarding.</summary>
    public void SkipTo(long target)
    {
        if (target < _position)
        {
            throw new InvalidOperationException("Cannot skip backwards.");
        }

        Skip(target - _position);
    }

    private void Skip(long count)
    {
        int buffered = _bufferEnd - _bufferStart;
        if (count <= buffered)
        {
            _bufferStart += (int)count;
            _position += count;
            return;
        }

        _position += buffered;
        count -= buffered;
        _bufferStart = _bufferEnd = 0;
        if (_stream.CanSeek)
        {
            if (_stream.Position + count > _stream.Length)
            {
                throw new OnnxFormatException("The protobuf message is truncated.");
            }

            _stream.Seek(count, SeekOrigin.Current);
            _position += count;
            return;
        }

        while (count > 0)
        {
            int read = _stream.Read(_buffer, 0, (int)Math.Min(count, _buffer.Length));
            if (read <= 0)
            {
                throw new OnnxFormatException("The protobuf message is truncated.");
            }

            count -= read;
            _position += read;
        }
    }

    private bool EnsureAvailable(int count, bool allowEnd)
    {
        if (_bufferEnd - _bufferStart >= count)
        {
            return true;
        }

        if (_bufferStart > 0)
        {
            int remaining = _bufferEnd - _bufferStart;
            Buffer.BlockCopy(_buffer, _bufferStart, _buffer, 0, remaining);
            _bufferStart = 0;
            _bufferEnd = remaining;
        }

        while (_bufferEnd < count)
        {
            int read = _stream.Read(_buffer, _bufferEnd, _buffer.Length - _bufferEnd);
            if (read <= 0)
            {
                if (allowEnd && _bufferEnd == 0)
                {
                    return false;
                }

                throw new OnnxFormatException("The protobuf message is truncated.");
            }

            _bufferEnd += read;
        }

        return true;
    }
}
