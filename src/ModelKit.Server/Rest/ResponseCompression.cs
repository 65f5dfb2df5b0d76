using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace ModelKit.Server;

/// <summary>
/// ASP.NET Core response compression for the REST endpoints only (gzip and deflate, fastest level), honouring the client's
/// <c>Accept-Encoding</c> (tritonclient's <c>response_compression_algorithm</c>). Built privately so the application's own
/// <c>AddResponseCompression</c> settings are neither needed nor changed.
/// </summary>
internal static class ResponseCompression
{
    public static IResponseCompressionProvider CreateProvider(IServiceProvider services)
    {
        var options = new ResponseCompressionOptions
        {
            EnableForHttps = true,
            MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/octet-stream"]),
        };
        options.Providers.Add(new GzipCompressionProvider(Options.Create(new GzipCompressionProviderOptions { Level = CompressionLevel.Fastest })));
        options.Providers.Add(new DeflateCompressionProvider());
        return new ResponseCompressionProvider(services, Options.Create(options));
    }

    /// <summary><c>deflate</c>: the zlib format (RFC 9110).</summary>
    private sealed class DeflateCompressionProvider : ICompressionProvider
    {
        public string EncodingName => "deflate";

        public bool SupportsFlush => true;

        public Stream CreateStream(Stream outputStream) => new ZLibStream(outputStream, CompressionLevel.Fastest, leaveOpen: true);
    }
}
