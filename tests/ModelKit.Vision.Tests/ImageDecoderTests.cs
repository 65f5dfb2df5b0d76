using System.Buffers.Binary;
using ModelKit.Vision.Imaging;
using SkiaSharp;

namespace ModelKit.Vision.Tests;

/// <summary>Decoding real encodings, and refusing bad bytes with a typed error and bounded memory.</summary>
public sealed class ImageDecoderTests
{
    private static byte[] Encode(SKEncodedImageFormat format, int width = 64, int height = 32, SKColor? color = null, int quality = 95)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(color ?? new SKColor(200, 100, 50));
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 0)]
    [InlineData(SKEncodedImageFormat.Jpeg, 3)]
    [InlineData(SKEncodedImageFormat.Webp, 3)]
    public void Encoded_images_decode_to_their_pixels(SKEncodedImageFormat format, int tolerance)
    {
        var image = new ImageDecoder().Decode(Encode(format));
        Assert.Equal(64, image.Width);
        Assert.Equal(32, image.Height);
        Assert.InRange(image.Pixels[0], 200 - tolerance, 200 + tolerance);
        Assert.InRange(image.Pixels[1], 100 - tolerance, 100 + tolerance);
        Assert.InRange(image.Pixels[2], 50 - tolerance, 50 + tolerance);
    }

    [Fact]
    public void Transparency_is_composited_over_white()
    {
        var image = new ImageDecoder().Decode(Encode(SKEncodedImageFormat.Png, color: new SKColor(0, 0, 0, 0)));
        Assert.All(image.Pixels, b => Assert.Equal(255, b));
    }

    [Fact]
    public void Empty_bytes_are_refused()
    {
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode([]));
        Assert.Equal(ImageDecodeError.Empty, ex.Error);
    }

    [Theory]
    [InlineData("plain text, not an image at all")]
    [InlineData("%PDF-1.7\n1 0 obj")]
    [InlineData("II*\0\b\0\0\0")] // a TIFF header: not a format the decoder reads
    public void Unsupported_formats_are_refused_by_name(string content)
    {
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(System.Text.Encoding.ASCII.GetBytes(content)));
        Assert.Equal(ImageDecodeError.UnsupportedFormat, ex.Error);
        Assert.Contains("PNG", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void Truncated_images_are_corrupt_not_half_grey(SKEncodedImageFormat format)
    {
        var bytes = Noise(format, 300, 200);
        foreach (int keep in new[] { bytes.Length / 2, bytes.Length / 10, 30, 12 })
        {
            var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(bytes.AsSpan(0, keep)));
            Assert.True(ex.Error == ImageDecodeError.Corrupt, $"{format} cut to {keep} of {bytes.Length} bytes: {ex.Error}");
        }
    }

    private static byte[] Noise(SKEncodedImageFormat format, int width, int height)
    {
        var random = new Random(5);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 90);
        return data.ToArray();
    }

    [Fact]
    public void Corrupt_png_data_is_refused()
    {
        var bytes = Encode(SKEncodedImageFormat.Png, 300, 200);
        int idat = bytes.AsSpan().IndexOf("IDAT"u8);
        for (int i = idat + 8; i < idat + 40; i++)
        {
            bytes[i] ^= 0x5A; // garbage in the deflate stream
        }

        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(bytes));
        Assert.Equal(ImageDecodeError.Corrupt, ex.Error);
    }

    /// <summary>A 40-kilobyte PNG whose header declares 30,000 × 30,000 pixels (2.7 GB as RGB): refused before any pixel memory.</summary>
    [Fact]
    public void Decompression_bomb_is_refused_with_bounded_memory()
    {
        var bomb = PngDeclaring(30_000, 30_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ImageDecodeException>(() => new ImageDecoder().Decode(bomb));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ImageDecodeError.TooLarge, ex.Error);
        Assert.Contains("30000 × 30000", ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < bomb.Length + 256 * 1024, $"allocated {allocated} bytes refusing a {bomb.Length}-byte bomb");
    }

    /// <summary>A valid PNG stream (zlib-compressed zero rows, truncated after 40 kB) whose IHDR declares the given size.</summary>
    internal static byte[] PngDeclaring(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        WriteChunk(output, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var rows = new byte[(width * 3 + 1) * 16];
                for (int i = 0; i < 1000; i++)
                {
                    zlib.Write(rows);
                }
            }

            WriteChunk(output, "IDAT", compressed.ToArray());
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        output.Write(length);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
