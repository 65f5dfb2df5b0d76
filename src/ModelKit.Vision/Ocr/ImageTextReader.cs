using System.Diagnostics;
using ModelKit.Vision.Detection;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Ocr;

/// <summary>
/// Reads text lines from an image with PaddleOCR PP-OCRv4: decode (bomb-guarded) → detect → order → crop and straighten →
/// classify angle and turn upside-down lines → recognize (one batch padded to the widest crop) → CTC decode. The three models are
/// ModelKit contracts, so each runs wherever ModelKit was configured to run it (in-process or a remote endpoint). When most lines
/// of a page are upside down the page is read in its turned reading order. Or the whole pipeline runs as one model — a served
/// <c>paddleocr</c> (<see cref="Serving.OcrPipelineBackend"/>) — and the reader sends encoded images and reads the lines back: the
/// same API and the same lines either way, chosen by configuration (<see cref="OcrOptions.PipelineModel"/>). Thread-safe.
/// </summary>
public sealed class ImageTextReader
{
    private readonly ImageDecoder _decoder;
    private readonly TextDetector? _detector;
    private readonly TextAngleClassifier? _classifier;
    private readonly TextRecognizer? _recognizer;
    private readonly ServedOcrPipeline? _pipeline;
    private readonly OcrOptions _options;

    /// <summary>Creates a reader over the three PaddleOCR model clients and the recognizer's character set; <paramref name="options"/> defaults to <see cref="OcrOptions"/>'s defaults.</summary>
    public ImageTextReader(ITextDetectorModel detector, ITextAngleClassifierModel classifier, ITextRecognizerModel recognizer, CtcDecoder decoder, OcrOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(decoder);
        _options = options ?? new OcrOptions();
        _decoder = new ImageDecoder(_options.Decoder);
        _detector = new TextDetector(detector, _options);
        _classifier = _options.ClassifyAngle ? new TextAngleClassifier(classifier, _options) : null;
        _recognizer = new TextRecognizer(recognizer, decoder, _options);
    }

    /// <summary>
    /// Creates a reader over an OCR pipeline model (<paramref name="pipeline"/>: a remote <c>paddleocr</c> served by
    /// <c>modelkit serve</c>, or an <see cref="Serving.OcrPipelineBackend"/>): images go to it encoded, at most
    /// <see cref="OcrOptions.MaxImagesPerRequest"/> per request, and its <see cref="OcrPipelineTensors"/> come back as lines. The
    /// reader does not own the backend.
    /// </summary>
    public ImageTextReader(IInferenceBackend pipeline, OcrOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _options = options ?? new OcrOptions();
        _decoder = new ImageDecoder(_options.Decoder);
        _pipeline = new ServedOcrPipeline(pipeline, _options.MaxImagesPerRequest);
    }

    /// <summary>The decoder (with <see cref="OcrOptions.Decoder"/>'s limits) the reader decodes images with.</summary>
    internal ImageDecoder Decoder => _decoder;

    /// <summary>Whether the reader sends images to a pipeline model (true) or runs the three networks itself (false).</summary>
    public bool UsesPipelineModel => _pipeline is not null;

    /// <summary>Reads the lines of an encoded image (PNG, JPEG, …).</summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, corrupt, unsupported or declare too many pixels (a pipeline model reports these as its own error, e.g. a server's 400).</exception>
    public async Task<IReadOnlyList<TextLine>> ReadAsync(ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken = default)
    {
        if (_pipeline is not null)
        {
            return (await _pipeline.ReadAsync([encodedImage], cancellationToken).ConfigureAwait(false))[0];
        }

        return await ReadAsync(_decoder.Decode(encodedImage.Span), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the lines of several encoded images; results come back in the images' order, each the same as reading that image
    /// alone. Through a pipeline model the images go together, up to <see cref="OcrOptions.MaxImagesPerRequest"/> per request.
    /// In-process (as in a served pipeline) the images are decoded and detected <see cref="OcrOptions.ConcurrentDetections"/> at
    /// a time, then the line crops of all of them go through the angle classifier and the recognizer together, in batches of
    /// crops of the same input width.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<TextLine>>> ReadManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        if (_pipeline is not null)
        {
            return await _pipeline.ReadAsync(encodedImages, cancellationToken).ConfigureAwait(false);
        }

        return await ReadImagesAsync(encodedImages.Count, n => _decoder.Decode(encodedImages[n].Span), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the lines of an encoded image stream.</summary>
    public async Task<IReadOnlyList<TextLine>> ReadAsync(Stream encodedImage, CancellationToken cancellationToken = default)
    {
        if (_pipeline is not null)
        {
            return await ReadAsync(await ReadBoundedAsync(encodedImage, _options.Decoder.MaxEncodedBytes, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        return await ReadAsync(await _decoder.DecodeAsync(encodedImage, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the lines of a decoded image (to a pipeline model it goes encoded as PNG).</summary>
    public async Task<IReadOnlyList<TextLine>> ReadAsync(RgbImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_pipeline is not null)
        {
            return await ReadAsync(ImageOps.EncodePng(image), cancellationToken).ConfigureAwait(false);
        }

        return (await ReadImagesAsync(1, _ => image, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// The in-process pipeline over <paramref name="count"/> images: <paramref name="image"/>(n) decodes image n (its exceptions
    /// propagate; when several images fail, the lowest-numbered one's is thrown). Images are decoded, detected and cropped
    /// <see cref="OcrOptions.ConcurrentDetections"/> at a time (only those images' pixels are held at once), then the crops of all
    /// go through the classifier and the recognizer together; each image's lines are ordered as it alone would be. Should the
    /// crops pass <see cref="MaxCropPixelsPerWave"/> pixels, the images detected so far are read before more are detected, so the
    /// crops held stay bounded whatever the images hold (results do not change: each crop is read on its own).
    /// </summary>
    internal async Task<IReadOnlyList<TextLine>[]> ReadImagesAsync(int count, Func<int, RgbImage> image, CancellationToken cancellationToken)
    {
        Debug.Assert(_pipeline is null);
        var results = new IReadOnlyList<TextLine>[count];
        for (int start = 0; start < count;)
        {
            var pages = await DetectWaveAsync(start, count, image, cancellationToken).ConfigureAwait(false);
            await RecognizeWaveAsync(pages, results.AsMemory(start, pages.Length), cancellationToken).ConfigureAwait(false);
            start += pages.Length;
        }

        return results;
    }

    /// <summary>
    /// Crop pixels (of all images read together) after which the images detected so far are read before more are detected
    /// (16 million: 48 MB of crops; a request of 16 pages of a dozen lines each holds about 5 million).
    /// </summary>
    internal long MaxCropPixelsPerWave { get; init; } = 16_000_000;

    private async Task RecognizeWaveAsync(DetectedPage[] pages, Memory<IReadOnlyList<TextLine>> results, CancellationToken cancellationToken)
    {
        int total = 0;
        foreach (var page in pages)
        {
            total += page.Crops.Length;
        }

        var crops = new RgbImage[total];
        int offset = 0;
        foreach (var page in pages)
        {
            page.Crops.CopyTo(crops, offset);
            offset += page.Crops.Length;
        }

        var flipped = _classifier is null || total == 0 ? new bool[total] : await _classifier.CorrectAsync(crops, cancellationToken).ConfigureAwait(false);
        CtcResult[] texts = total == 0 ? [] : await _recognizer!.RecognizeAsync(crops, cancellationToken).ConfigureAwait(false);
        offset = 0;
        for (int n = 0; n < pages.Length; n++)
        {
            int lines = pages[n].Crops.Length;
            results.Span[n] = Assemble(pages[n], texts.AsSpan(offset, lines), flipped.AsSpan(offset, lines));
            offset += lines;
        }
    }

    /// <summary>Detects images <paramref name="start"/>, <paramref name="start"/> + 1, … until their crops pass the wave's budget or none are left.</summary>
    private async Task<DetectedPage[]> DetectWaveAsync(int start, int count, Func<int, RgbImage> image, CancellationToken cancellationToken)
    {
        var pages = new DetectedPage[count - start];
        long cropPixels = 0;
        long budget = MaxCropPixelsPerWave;
        int workers = Math.Min(_options.ConcurrentDetections, count - start);
        // Workers take the images in order; the first failure stops the taking of more, and the lowest-numbered failure is thrown
        // (an image already taken is still decoded, so which image is named does not depend on timing). Taken images are
        // start … start + taken − 1.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var errors = new Exception?[pages.Length];
        int next = -1;
        async Task WorkAsync()
        {
            int n;
            while (!stop.IsCancellationRequested && Interlocked.Read(ref cropPixels) < budget && (n = Interlocked.Increment(ref next)) < pages.Length)
            {
                try
                {
                    var page = await DetectAsync(image(start + n), stop.Token).ConfigureAwait(false);
                    pages[n] = page;
                    Interlocked.Add(ref cropPixels, page.CropPixels);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    errors[n] = ex;
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }

        if (workers <= 1)
        {
            await WorkAsync().ConfigureAwait(false);
        }
        else
        {
            var tasks = new Task[workers];
            for (int w = 0; w < workers; w++)
            {
                tasks[w] = Task.Run(WorkAsync, CancellationToken.None);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        foreach (var error in errors)
        {
            if (error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        int taken = Math.Min(next + 1, pages.Length);
        Debug.Assert(taken > 0);
        return taken == pages.Length ? pages : pages.AsSpan(0, taken).ToArray();
    }

    private async Task<DetectedPage> DetectAsync(RgbImage image, CancellationToken cancellationToken)
    {
        var boxes = DbPostProcessor.SortReadingOrder(await _detector!.DetectAsync(image, cancellationToken).ConfigureAwait(false));
        var crops = new RgbImage[boxes.Count];
        for (int i = 0; i < crops.Length; i++)
        {
            crops[i] = TextLineCropper.Crop(image, boxes[i]);
        }

        long cropPixels = 0;
        foreach (var crop in crops)
        {
            cropPixels += (long)crop.Width * crop.Height;
        }

        return new DetectedPage(boxes, crops, image.Width, image.Height, cropPixels);
    }

    private List<TextLine> Assemble(DetectedPage page, ReadOnlySpan<CtcResult> texts, ReadOnlySpan<bool> flipped)
    {
        var boxes = page.Boxes;
        var lines = new List<(TextLine Line, TextBox Turned)>(boxes.Count);
        for (int i = 0; i < boxes.Count; i++)
        {
            if (texts[i].Confidence >= _options.MinConfidence && texts[i].Text.Length > 0)
            {
                lines.Add((new TextLine(texts[i].Text, texts[i].Confidence, boxes[i], flipped[i]), PageOrder.Turned(boxes[i], page.Width, page.Height)));
            }
        }

        if (lines.Count(l => l.Line.UpsideDown) * 2 > lines.Count)
        {
            // An upside-down page: order by where the lines lie once the page is turned.
            var order = DbPostProcessor.SortReadingOrder(lines.Select(l => l.Turned));
            var byTurned = lines.ToDictionary(l => l.Turned, l => l.Line);
            return order.Select(t => byTurned[t]).ToList();
        }

        return lines.Select(l => l.Line).ToList();
    }

    /// <summary>One image after detection: its boxes in reading order, their upright crops (of <paramref name="CropPixels"/> pixels in all), and its size.</summary>
    private sealed record DetectedPage(IReadOnlyList<TextBox> Boxes, RgbImage[] Crops, int Width, int Height, long CropPixels);

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw new ImageDecodeException(ImageDecodeError.TooLarge, $"the stream holds more than {maxBytes} encoded bytes.");
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }
}
