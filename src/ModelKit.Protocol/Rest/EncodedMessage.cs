using System.Buffers;
using System.IO.Pipelines;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// An encoded REST body: the JSON part, then the binary tensor data segments (views over the tensors' own memory where
/// possible, so nothing is copied before the transport writes it). Dispose it after writing: the JSON part is pooled.
/// </summary>
public sealed class EncodedMessage : IDisposable
{
    private readonly PooledBufferWriter _json;
    private readonly List<ReadOnlyMemory<byte>> _segments;

    internal EncodedMessage(PooledBufferWriter json, List<ReadOnlyMemory<byte>> segments)
    {
        _json = json;
        _segments = segments;
        long length = json.WrittenCount;
        foreach (var segment in segments)
        {
            length += segment.Length;
        }

        ContentLength = length;
    }

    /// <summary>The JSON part (padded with spaces to a multiple of 8 bytes when binary data follows, so it lands aligned).</summary>
    public ReadOnlyMemory<byte> Json => _json.WrittenMemory;

    /// <summary>The binary data of each binary tensor, in message order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> BinarySegments => _segments;

    /// <summary>Whether binary data follows the JSON.</summary>
    public bool HasBinaryData => _segments.Count > 0;

    /// <summary>The value of the <c>Inference-Header-Content-Length</c> header, or null when the body is JSON only.</summary>
    public int? InferenceHeaderContentLength => HasBinaryData ? _json.WrittenCount : null;

    /// <summary>
    /// <see cref="InferenceHeaderContentLength"/> as the header's text (decimal), or null when the body is JSON only. The texts of
    /// JSON parts up to 64 KiB are made once per process and shared, so setting the header allocates nothing per message.
    /// </summary>
    public string? InferenceHeaderContentLengthText => HasBinaryData ? HeaderText(_json.WrittenCount) : null;

    /// <summary>The whole body's length.</summary>
    public long ContentLength { get; }

    /// <summary><c>application/octet-stream</c> with binary data, else <c>application/json</c>.</summary>
    public string ContentType => HasBinaryData ? ProtocolNames.OctetStream : ProtocolNames.Json;

    /// <summary>Writes the body to a stream.</summary>
    public async ValueTask WriteToAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await stream.WriteAsync(Json, cancellationToken).ConfigureAwait(false);
        foreach (var segment in _segments)
        {
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the body to a pipe, flushing after each large segment.</summary>
    public async ValueTask WriteToAsync(PipeWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Json.Span);
        foreach (var segment in _segments)
        {
            if (segment.Length >= 64 * 1024)
            {
                await writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                writer.Write(segment.Span);
            }
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the body into <paramref name="writer"/>.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Json.Span);
        foreach (var segment in _segments)
        {
            writer.Write(segment.Span);
        }
    }

    /// <summary>The body as one array.</summary>
    public byte[] ToArray()
    {
        var result = new byte[ContentLength];
        Json.Span.CopyTo(result);
        int position = Json.Length;
        foreach (var segment in _segments)
        {
            segment.Span.CopyTo(result.AsSpan(position));
            position += segment.Length;
        }

        return result;
    }

    /// <summary>Returns the pooled buffers that hold the encoded message; the message must not be written afterwards.</summary>
    public void Dispose() => _json.Dispose();

    private static readonly string?[] HeaderTexts = new string?[(64 * 1024 / 8) + 1];

    private static string HeaderText(int length)
    {
        // Padded JSON parts are multiples of 8 bytes.
        if (length % 8 != 0 || length / 8 >= HeaderTexts.Length)
        {
            return length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return HeaderTexts[length / 8] ??= length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
