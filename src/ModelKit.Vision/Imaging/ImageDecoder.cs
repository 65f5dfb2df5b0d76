using System.Runtime.InteropServices;
using SkiaSharp;

namespace ModelKit.Vision.Imaging;

/// <summary>Limits on what <see cref="ImageDecoder"/> accepts.</summary>
public sealed class ImageDecoderOptions
{
    /// <summary>The most encoded bytes accepted (default 32 MiB).</summary>
    public int MaxEncodedBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>The most pixels (width × height) the header may declare (default 40 megapixels: 160 MB as RGBA while decoding).</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>The longest side the header may declare (default 16,384).</summary>
    public int MaxDimension { get; set; } = 16_384;
}

/// <summary>
/// Decodes PNG, JPEG, WebP, BMP or GIF bytes (first frame) into <see cref="RgbImage"/> with SkiaSharp, compositing transparency over
/// white. The header's declared size is checked against <see cref="ImageDecoderOptions"/> before any pixel memory is allocated,
/// so a decompression bomb (a small PNG declaring 30,000 × 30,000 pixels) costs a few kilobytes; corrupt or truncated data is
/// an <see cref="ImageDecodeException"/>, never a partly grey image. Thread-safe.
/// </summary>
public sealed class ImageDecoder(ImageDecoderOptions? options = null)
{
    private readonly ImageDecoderOptions _options = options ?? new ImageDecoderOptions();

    /// <summary>Decodes <paramref name="encoded"/>.</summary>
    /// <exception cref="ImageDecodeException">Empty, unsupported, corrupt, truncated or too large.</exception>
    public RgbImage Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeError.Empty, "no bytes; expected an encoded PNG or JPEG image.");
        }

        if (encoded.Length > _options.MaxEncodedBytes)
        {
            throw new ImageDecodeException(ImageDecodeError.TooLarge, $"{encoded.Length} encoded bytes exceed the limit of {_options.MaxEncodedBytes}.");
        }

        if (!HasKnownSignature(encoded))
        {
            throw new ImageDecodeException(ImageDecodeError.UnsupportedFormat, $"the bytes are not a supported image (PNG, JPEG, WebP, BMP, GIF); they start with {Describe(encoded)}.");
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(new SKMemoryStream(data), out var result); // the codec owns the stream
        if (codec is null)
        {
            throw new ImageDecodeException(ImageDecodeError.Corrupt, result == SKCodecResult.IncompleteInput
                ? $"the image header is truncated ({encoded.Length} bytes)."
                : $"the image header is corrupt ({result}).");
        }

        var info = codec.Info;
        long pixels = (long)info.Width * info.Height;
        if (info.Width > _options.MaxDimension || info.Height > _options.MaxDimension || pixels > _options.MaxPixels)
        {
            throw new ImageDecodeException(ImageDecodeError.TooLarge,
                $"the {codec.EncodedFormat} header declares {info.Width} × {info.Height} pixels; the limit is {_options.MaxPixels:N0} pixels and {_options.MaxDimension} per side.");
        }

        if (info.Width < 1 || info.Height < 1)
        {
            throw new ImageDecodeException(ImageDecodeError.Corrupt, $"the header declares {info.Width} × {info.Height} pixels.");
        }

        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[checked(target.Width * target.Height * 4)];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult decoded;
        try
        {
            decoded = codec.GetPixels(target, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }

        if (decoded != SKCodecResult.Success)
        {
            throw new ImageDecodeException(ImageDecodeError.Corrupt,
                decoded == SKCodecResult.IncompleteInput
                    ? $"the {codec.EncodedFormat} data is truncated ({encoded.Length} bytes for {info.Width} × {info.Height} pixels)."
                    : $"the {codec.EncodedFormat} data is corrupt ({decoded}).");
        }

        var rgb = new byte[target.Width * target.Height * 3];
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            int a = rgba[i + 3];
            if (a == 255)
            {
                rgb[j] = rgba[i];
                rgb[j + 1] = rgba[i + 1];
                rgb[j + 2] = rgba[i + 2];
            }
            else
            {
                int white = 255 * (255 - a);
                rgb[j] = (byte)((rgba[i] * a + white + 127) / 255);
                rgb[j + 1] = (byte)((rgba[i + 1] * a + white + 127) / 255);
                rgb[j + 2] = (byte)((rgba[i + 2] * a + white + 127) / 255);
            }
        }

        return new RgbImage(target.Width, target.Height, rgb);
    }

    /// <summary>Decodes a stream (read up to <see cref="ImageDecoderOptions.MaxEncodedBytes"/>).</summary>
    public async Task<RgbImage> DecodeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > _options.MaxEncodedBytes)
            {
                throw new ImageDecodeException(ImageDecodeError.TooLarge, $"the stream holds more than {_options.MaxEncodedBytes} encoded bytes.");
            }

            buffer.Write(chunk, 0, n);
        }

        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Whether the bytes start with the signature of a format the decoder reads.</summary>
    private static bool HasKnownSignature(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) // PNG
        || b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])                          // JPEG
        || b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8)
        || b.StartsWith("BM"u8)
        || (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8));

    private static string Describe(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)]);
}
