namespace ModelKit.Vision.Imaging;

/// <summary>Why image bytes were refused.</summary>
public enum ImageDecodeError
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>Not an image format this decoder reads (PNG, JPEG, WebP, BMP, GIF), or not an image.</summary>
    UnsupportedFormat,

    /// <summary>A recognized format whose data is corrupt or truncated.</summary>
    Corrupt,

    /// <summary>The header declares more pixels than <see cref="ImageDecoderOptions"/> allow (a decompression bomb); nothing was decoded.</summary>
    TooLarge,
}

/// <summary>Image bytes could not be decoded. <see cref="Error"/> says why; the message names the limits and what the header declared.</summary>
public sealed class ImageDecodeException(ImageDecodeError error, string message) : ModelKitException($"Image: {message}")
{
    /// <summary>Why the bytes were refused, for callers that answer differently (a server: 413 for <see cref="ImageDecodeError.TooLarge"/>, 400 otherwise).</summary>
    public ImageDecodeError Error { get; } = error;
}
