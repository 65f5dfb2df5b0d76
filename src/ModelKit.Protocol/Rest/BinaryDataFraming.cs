using System.Globalization;
using System.Runtime.InteropServices;
using ModelKit.Protocol.Memory;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// The binary tensor data extension's framing: a JSON header of <c>Inference-Header-Content-Length</c> bytes followed by each
/// binary tensor's <c>binary_data_size</c> bytes, in tensor order. Malformed framing throws <see cref="ProtocolException"/>.
/// </summary>
internal static class BinaryDataFraming
{
    /// <summary>JSON headers are padded with spaces to this many bytes so that the receiver can view the binary data in place.</summary>
    private const int Alignment = 8;

    /// <summary>Parses the <c>Inference-Header-Content-Length</c> header value: null when absent.</summary>
    public static long? ParseHeaderLength(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            return length;
        }

        throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
            $"The {ProtocolNames.InferenceHeaderContentLength} header must be the JSON header's length in bytes, a non-negative integer (got '{RestJson.Truncate(value)}').");
    }

    /// <summary>The body as an array segment (copied when it is not array-backed).</summary>
    public static (byte[] Array, int Offset, int Length) GetArray(ReadOnlyMemory<byte> body)
    {
        if (MemoryMarshal.TryGetArray(body, out ArraySegment<byte> segment))
        {
            return (segment.Array!, segment.Offset, segment.Count);
        }

        var copy = body.ToArray();
        return (copy, 0, copy.Length);
    }

    /// <summary>The length of the JSON part: the header's value (checked against the body) or the whole body.</summary>
    public static int JsonLength(long? headerLength, int bodyLength)
    {
        if (headerLength is not { } length)
        {
            return bodyLength;
        }

        if (length <= 0 || length > bodyLength)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"{ProtocolNames.InferenceHeaderContentLength} is {length} but the body has {bodyLength} bytes; it must give the length of the JSON part, between 1 and the body's length.");
        }

        return (int)length;
    }

    /// <summary>Gives each tensor that declared a <c>binary_data_size</c> its bytes from after the JSON header, in order.</summary>
    public static void Attach(List<PendingTensor> pending, byte[] array, int start, int available, bool hasHeader, string kind, ProtocolLimits limits)
    {
        long needed = 0;
        foreach (var tensor in pending)
        {
            if (tensor.BinarySize is { } size)
            {
                needed += size;
            }
        }

        if (!hasHeader)
        {
            if (needed > 0 || pending.Exists(static t => t.BinarySize is not null))
            {
                throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                    $"Some {kind}s give \"{ProtocolNames.BinaryDataSize}\" but the message has no {ProtocolNames.InferenceHeaderContentLength} header telling where the JSON ends.");
            }

            return;
        }

        if (needed != available)
        {
            throw new ProtocolException(ProtocolErrorKind.InvalidFraming,
                $"The {kind}s' \"{ProtocolNames.BinaryDataSize}\" add up to {needed} bytes but {available} bytes follow the {ProtocolNames.InferenceHeaderContentLength} JSON header.");
        }

        int position = start;
        foreach (var tensor in pending)
        {
            if (tensor.BinarySize is { } size)
            {
                tensor.Value = TensorBytes.Decode(tensor.Name, tensor.Type, tensor.Shape, array, position, (int)size, limits.IsBinaryBytes(tensor.Name));
                tensor.Binary = true;
                position += (int)size;
            }
        }
    }

    /// <summary>Completes an encoded message: pads the JSON header when binary segments follow it.</summary>
    public static EncodedMessage Finish(PooledBufferWriter json, List<ReadOnlyMemory<byte>> segments)
    {
        if (segments.Count > 0)
        {
            // Trailing spaces are valid JSON; padding lets the receiver view binary data in place.
            int pad = (Alignment - (json.WrittenCount % Alignment)) % Alignment;
            if (pad > 0)
            {
                json.GetSpan(pad)[..pad].Fill((byte)' ');
                json.Advance(pad);
            }
        }

        return new EncodedMessage(json, segments);
    }
}
