using System.Diagnostics;
using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.Media.Reading;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Ocr;

namespace ModelKit.Samples.BlazorApp.Media;

/// <summary>What the Read page shows: the image (to draw the boxes over) and the lines read from it.</summary>
public sealed record ReadResult(byte[] Image, string ContentType, int Width, int Height, IReadOnlyList<TextLine> Lines, InferenceLocation Location, TimeSpan Elapsed, bool ServedPipeline)
{
    /// <summary>How the image was read: <c>pipeline</c> (sent to a served <c>paddleocr</c>) or <c>networks</c> (processing here, three models).</summary>
    public string Via => ServedPipeline ? "pipeline" : "networks";

    /// <summary>The image as a data URL for an <c>img</c> element.</summary>
    public string DataUrl => $"data:{ContentType};base64,{Convert.ToBase64String(Image)}";
}

/// <summary>The Read page's work: draw typed text into an image, or take an uploaded one, and read its lines with PaddleOCR.</summary>
public sealed class ReadService(MediaClients clients)
{
    /// <summary>The largest image accepted from the browser.</summary>
    public const long MaxUploadBytes = 10 * 1024 * 1024;

    /// <summary>Draws <paramref name="text"/> (DejaVu Sans) and reads it.</summary>
    public Task<ReadResult> ReadTextAsync(string text, InferenceLocation location, CancellationToken cancellationToken)
    {
        RenderedImage image;
        try
        {
            image = TextImage.Render(text);
        }
        catch (Exception ex) when (ex is ArgumentException or FontNotFoundException)
        {
            throw new MediaUnavailableException(ex.Message, ex);
        }

        return ReadAsync(image.Png, "image/png", location, cancellationToken);
    }

    /// <summary>Reads an uploaded image.</summary>
    public async Task<ReadResult> ReadAsync(byte[] image, string contentType, InferenceLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        var size = TextImage.Measure(image);
        long start = Stopwatch.GetTimestamp();
        try
        {
            var reader = clients.Reader(location);
            var lines = await reader.ReadAsync(image, cancellationToken).ConfigureAwait(false);
            return new ReadResult(image, contentType.StartsWith("image/", StringComparison.Ordinal) ? contentType : "image/png",
                size?.Width ?? 1, size?.Height ?? 1, lines, location, Stopwatch.GetElapsedTime(start), reader.UsesPipelineModel);
        }
        catch (ImageDecodeException ex)
        {
            throw new MediaUnavailableException($"That image cannot be read: {ex.Message}", ex);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw clients.Explain(ex, location);
        }
    }
}
