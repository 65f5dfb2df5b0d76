using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ModelKit.Server;

/// <summary>
/// A whole request body in one array: from <see cref="ArrayPool{T}.Shared"/> when small, otherwise an exact-size array the GC takes
/// back, so a burst of large uploads leaves nothing behind in the shared pool. Dispose to return a pooled array.
/// </summary>
internal readonly struct RequestBody : IDisposable
{
    /// <summary>Bodies up to this size are rented from the shared pool; larger ones are allocated at their exact size.</summary>
    internal const int PoolLimit = 256 * 1024;

    private readonly bool _pooled;

    private RequestBody(byte[] array, int length, bool pooled)
    {
        Array = array;
        Length = length;
        _pooled = pooled;
    }

    public static RequestBody Empty => new([], 0, pooled: false);

    public byte[] Array { get; }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    public static RequestBody Allocate(int length) =>
        length <= PoolLimit ? new(ArrayPool<byte>.Shared.Rent(Math.Max(1, length)), length, pooled: true) : new(GC.AllocateUninitializedArray<byte>(length), length, pooled: false);

    public void Dispose()
    {
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(Array);
        }
    }
}

/// <summary>
/// Reads request bodies for the REST endpoints, with one limit applied the same way whatever the framing: the body's own bytes
/// (Content-Length or chunked: chunk framing does not count) and, for <c>Content-Encoding: gzip</c> or <c>deflate</c>, the
/// decompressed bytes too (a zip bomb is a 413 once the limit is passed, never an allocation). Errors from reading what the client
/// sends — a bad chunk size, a reset, a body that ends early — are the client's: <see cref="ClientRequestException"/> (4xx,
/// connection closed) or <see cref="ClientAbortedException"/>, never an internal error.
/// </summary>
internal static class RequestBodyReader
{
    private const int FirstSegment = 16 * 1024;
    private const int LargeSegment = 1024 * 1024;

    public static async Task<RequestBody> ReadAsync(HttpContext context, long limit)
    {
        // Kestrel's own limit counts chunk framing (a chunked body of exactly the limit would be refused while the same body with
        // Content-Length is accepted); this reader enforces the limit on the body's bytes instead.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var request = context.Request;
        var encoding = ContentEncoding(request.Headers.ContentEncoding.ToString());
        var aborted = context.RequestAborted;
        if (request.ContentLength is { } declared && declared > limit)
        {
            throw new ClientRequestException(StatusCodes.Status413PayloadTooLarge, "body_too_large",
                $"The request body has {declared} bytes; the server accepts at most {limit}.", closeConnection: true);
        }

        RequestBody raw;
        try
        {
            raw = request.ContentLength is { } length
                ? await ReadExactAsync(request.Body, (int)length, aborted).ConfigureAwait(false)
                : await ReadToEndAsync(request.Body, limit, "request body", aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not ClientRequestException)
        {
            throw ClientFault(ex, aborted);
        }

        if (encoding is null)
        {
            return raw;
        }

        using (raw)
        {
            try
            {
                using var compressed = new MemoryStream(raw.Array, 0, raw.Length, writable: false);
                await using var decompressor = encoding == "gzip" ? new GZipStream(compressed, CompressionMode.Decompress) : Deflate(raw);
                return await ReadToEndAsync(decompressor, limit, "decompressed request body", aborted).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new ClientRequestException(StatusCodes.Status400BadRequest, "bad_content_encoding",
                    $"The request body is not valid {encoding} data (Content-Encoding: {encoding}): {ex.Message}", closeConnection: false, ex);
            }
        }
    }

    /// <summary>Turns an exception from reading the client's bytes into the client's fault.</summary>
    public static Exception ClientFault(Exception exception, CancellationToken aborted)
    {
        if (aborted.IsCancellationRequested || exception is OperationCanceledException or IOException or ObjectDisposedException)
        {
            return new ClientAbortedException($"The client went away while sending its request ({exception.GetType().Name}).", exception);
        }

        int status = exception is BadHttpRequestException bad && bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        return new ClientRequestException(status, status == 413 ? "body_too_large" : "bad_http_request",
            $"The request body could not be read: {exception.Message}", closeConnection: true, exception);
    }

    private static string? ContentEncoding(string header)
    {
        string value = header.Trim();
        if (value.Length == 0 || value.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || value.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            return "gzip";
        }

        if (value.Equals("deflate", StringComparison.OrdinalIgnoreCase))
        {
            return "deflate";
        }

        throw new ClientRequestException(StatusCodes.Status415UnsupportedMediaType, "unsupported_content_encoding",
            $"Content-Encoding '{ErrorClassifier.Bound(value)}' is not supported; send identity, gzip or deflate.", closeConnection: true);
    }

    /// <summary><c>deflate</c> is the zlib format (RFC 9110; what tritonclient sends, <c>zlib.compress</c>); raw deflate is accepted too.</summary>
    private static Stream Deflate(RequestBody raw)
    {
        var stream = new MemoryStream(raw.Array, 0, raw.Length, writable: false);
        bool zlib = raw.Length >= 2 && (raw.Array[0] & 0x0F) == 8 && ((raw.Array[0] << 8) | raw.Array[1]) % 31 == 0;
        return zlib ? new ZLibStream(stream, CompressionMode.Decompress) : new DeflateStream(stream, CompressionMode.Decompress);
    }

    private static async Task<RequestBody> ReadExactAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var result = RequestBody.Allocate(length);
        try
        {
            int read = await body.ReadAtLeastAsync(result.Array.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < length)
            {
                throw new ClientRequestException(StatusCodes.Status400BadRequest, "bad_http_request",
                    $"The request body ended after {read} of its {length} bytes.", closeConnection: true);
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a stream of unknown length into segments, then into one exact array. The first 256 KiB come in pooled segments (small
    /// bodies cost no allocation); beyond that, segments of 1 MiB are plain arrays, so a burst of large chunked uploads does not
    /// park dozens of segments in the shared pool.
    /// </summary>
    private static async Task<RequestBody> ReadToEndAsync(Stream stream, long limit, string what, CancellationToken cancellationToken)
    {
        var segments = new List<byte[]>();
        int pooled = 0;
        long total = 0;
        int used = 0;
        try
        {
            var current = ArrayPool<byte>.Shared.Rent(FirstSegment);
            segments.Add(current);
            pooled++;
            while (true)
            {
                if (used == current.Length)
                {
                    if (total < RequestBody.PoolLimit)
                    {
                        current = ArrayPool<byte>.Shared.Rent(Math.Min(RequestBody.PoolLimit, current.Length * 2));
                        pooled++;
                    }
                    else
                    {
                        current = GC.AllocateUninitializedArray<byte>(LargeSegment);
                    }

                    segments.Add(current);
                    used = 0;
                }

                int read = await stream.ReadAsync(current.AsMemory(used), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                used += read;
                total += read;
                if (total > limit)
                {
                    throw new ClientRequestException(StatusCodes.Status413PayloadTooLarge, "body_too_large",
                        $"The {what} exceeds the {limit} bytes the server accepts.", closeConnection: true);
                }
            }

            var result = RequestBody.Allocate((int)total);
            int offset = 0;
            foreach (var segment in segments)
            {
                int count = (int)Math.Min(segment.Length, total - offset);
                segment.AsSpan(0, count).CopyTo(result.Array.AsSpan(offset));
                offset += count;
            }

            return result;
        }
        finally
        {
            for (int i = 0; i < pooled; i++)
            {
                ArrayPool<byte>.Shared.Return(segments[i]);
            }
        }
    }
}
