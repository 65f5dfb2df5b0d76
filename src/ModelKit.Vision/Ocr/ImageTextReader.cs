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
    /// Reads the lines of several encoded images; results come back in the images' order. Through a pipeline model the images go
    /// together, up to <see cref="OcrOptions.MaxImagesPerRequest"/> per request; in-process they are read one after another.
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<TextLine>>> ReadManyAsync(IReadOnlyList<ReadOnlyMemory<byte>> encodedImages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        if (_pipeline is not null)
        {
            return await _pipeline.ReadAsync(encodedImages, cancellationToken).ConfigureAwait(false);
        }

        var results = new IReadOnlyList<TextLine>[encodedImages.Count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = await ReadAsync(_decoder.Decode(encodedImages[i].Span), cancellationToken).ConfigureAwait(false);
        }

        return results;
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

        var boxes = DbPostProcessor.SortReadingOrder(await _detector!.DetectAsync(image, cancellationToken).ConfigureAwait(false));
        if (boxes.Count == 0)
        {
            return [];
        }

        var crops = boxes.Select(b => TextLineCropper.Crop(image, b)).ToArray();
        var flipped = _classifier is null ? new bool[crops.Length] : await _classifier.CorrectAsync(crops, cancellationToken).ConfigureAwait(false);
        var texts = await _recognizer!.RecognizeAsync(crops, cancellationToken).ConfigureAwait(false);

        var lines = new List<(TextLine Line, TextBox Turned)>(boxes.Count);
        for (int i = 0; i < boxes.Count; i++)
        {
            if (texts[i].Confidence >= _options.MinConfidence && texts[i].Text.Length > 0)
            {
                lines.Add((new TextLine(texts[i].Text, texts[i].Confidence, boxes[i], flipped[i]), PageOrder.Turned(boxes[i], image.Width, image.Height)));
            }
        }

        if (lines.Count(l => l.Line.UpsideDown) * 2 > lines.Count)
        {
            // An upside-down page: order by where the lines lie once the page is turned.
            var order = DbPostProcessor.SortReadingOrder(lines.Select(l => l.Turned));
            var byTurned = lines.ToDictionary(l => l.Turned, l => l.Line);
            return order.Select(t => byTurned[t]).ToList();
        }

        Debug.Assert(lines.Count <= boxes.Count);
        return lines.Select(l => l.Line).ToList();
    }

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
