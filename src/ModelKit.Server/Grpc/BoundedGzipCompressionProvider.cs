using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace ModelKit.Server;

/// <summary>
/// gRPC's <c>gzip</c> message compression (what <c>grpc-encoding: gzip</c> clients such as tritonclient's
/// <c>compression_algorithm="gzip"</c> send), with decompression bounded by the message limit: gRPC decompresses a whole message
/// before checking its size, so without a bound a small message could inflate to gigabytes.
/// </summary>
internal sealed class BoundedGzipCompressionProvider(int limit) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new BoundedReadStream(new GZipStream(stream, CompressionMode.Decompress), limit);

    private sealed class BoundedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read;
            try
            {
                read = inner.Read(buffer);
            }
            catch (InvalidDataException ex)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The message is not valid gzip data: " + ex.Message));
            }

            _read += read;
            if (_read > limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The decompressed message exceeds the {limit} bytes the server accepts."));
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
