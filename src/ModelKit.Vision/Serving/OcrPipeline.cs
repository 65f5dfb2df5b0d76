using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Processing;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Serving;

/// <summary>
/// Serves PaddleOCR's three networks with their processing as one model (processing kind <c>ocr</c>): the
/// <see cref="ImageTextReader"/> a client would run, in the server. Input <see cref="ImageInput"/> BYTES [1]: one encoded image
/// (PNG, JPEG, WebP, BMP, GIF) as raw bytes — on the binary extension and gRPC — or, where only text travels (REST JSON), base64
/// text. Outputs, one row per line in reading order: <see cref="LinesOutput"/> BYTES [L] (UTF-8 text), <see cref="BoxesOutput"/>
/// FP32 [L, 4, 2] (the corners top-left, top-right, bottom-right, bottom-left as x, y in image pixels) and <see cref="ScoresOutput"/>
/// FP32 [L] (the recognizer's confidence). Undecodable, unsupported and oversized images (a decompression bomb's header is refused
/// before any pixel memory) raise <see cref="ProcessingException"/>, which a server answers with 400.
/// </summary>
public sealed class OcrPipelineBackend : PipelineBackend
{
    /// <summary>The image input's name.</summary>
    public const string ImageInput = "image";

    /// <summary>The lines output's name.</summary>
    public const string LinesOutput = "lines";

    /// <summary>The boxes output's name.</summary>
    public const string BoxesOutput = "boxes";

    /// <summary>The scores output's name.</summary>
    public const string ScoresOutput = "scores";

    private readonly IInferenceBackend[] _networks;
    private readonly ImageTextReader _reader;
    private readonly int _maxEncodedBytes;

    /// <summary>A pipeline over the three networks (this backend owns and disposes them), reading with <paramref name="options"/>.</summary>
    public OcrPipelineBackend(string modelName, IInferenceBackend detector, IInferenceBackend classifier, IInferenceBackend recognizer, CtcDecoder decoder, OcrOptions? options = null)
        : base(modelName)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(recognizer);
        options ??= new OcrOptions();
        _networks = [detector, classifier, recognizer];
        _reader = new ImageTextReader(
            Client<ITextDetectorModel>(detector),
            Client<ITextAngleClassifierModel>(classifier),
            Client<ITextRecognizerModel>(recognizer),
            decoder,
            options);
        _maxEncodedBytes = options.Decoder.MaxEncodedBytes;
        Signature = new ModelSignature(
            [new TensorInfo(ImageInput, TensorElementType.String, [1]) { BinaryContent = true }],
            [
                new TensorInfo(LinesOutput, TensorElementType.String, [-1]),
                new TensorInfo(BoxesOutput, TensorElementType.Float, [-1, 4, 2]),
                new TensorInfo(ScoresOutput, TensorElementType.Float, [-1]),
            ]);
        Description = $"ocr pipeline (PaddleOCR: detection {detector.Description}; angle {classifier.Description}; recognition {recognizer.Description})";
    }

    /// <inheritdoc />
    public override ModelSignature Signature { get; }

    /// <inheritdoc />
    public override string Description { get; }

    /// <summary>A blank 320 × 96 PNG: warms up decoding and the detector (the other networks run only where text is found).</summary>
    public override TensorValue[] CreateWarmupInputs()
    {
        using var bitmap = new SkiaSharp.SKBitmap(320, 96);
        bitmap.Erase(SkiaSharp.SKColors.White);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return [TensorValue.Create([Encoding.Latin1.GetString(data.Span)], 1)];
    }

    /// <summary>The reader the pipeline runs.</summary>
    public ImageTextReader Reader => _reader;

    /// <inheritdoc />
    protected override string BackendName => "ocr";

    /// <inheritdoc />
    protected override async ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
    {
        byte[] image = ImageBytes(inputs[0].Buffer.AsSpan<string>()[0], _maxEncodedBytes);
        IReadOnlyList<TextLine> lines;
        try
        {
            lines = await _reader.ReadAsync(image, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageDecodeException ex)
        {
            throw new ProcessingException(nameof(OcrPipelineBackend), $"input '{ImageInput}': {ex.Message}", ex);
        }

        var texts = new string[lines.Count];
        var boxes = new float[lines.Count * 8];
        var scores = new float[lines.Count];
        for (int i = 0; i < lines.Count; i++)
        {
            texts[i] = lines[i].Text;
            scores[i] = lines[i].Confidence;
            var corners = lines[i].Box.Corners;
            for (int c = 0; c < 4; c++)
            {
                boxes[(i * 8) + (c * 2)] = corners[c].X;
                boxes[(i * 8) + (c * 2) + 1] = corners[c].Y;
            }
        }

        return
        [
            TensorValue.Create(texts, lines.Count),
            TensorValue.Create(boxes, lines.Count, 4, 2),
            TensorValue.Create(scores, lines.Count),
        ];
    }

    /// <summary>
    /// The encoded image an element carries: its bytes (one char per byte, as servers hand binary BYTES over) when they start like an
    /// image, else base64 text decoded.
    /// </summary>
    /// <exception cref="ProcessingException">The element is neither.</exception>
    public static byte[] ImageBytes(string element, int maxEncodedBytes)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element.Length == 0)
        {
            throw new ProcessingException(nameof(OcrPipelineBackend), $"input '{ImageInput}' is empty; send one encoded image (PNG, JPEG…).");
        }

        if (element.Length > maxEncodedBytes * 4L / 3 + 4)
        {
            throw new ProcessingException(nameof(OcrPipelineBackend), $"input '{ImageInput}' has {element.Length} bytes; at most {maxEncodedBytes} are accepted.");
        }

        bool binary = true;
        foreach (char c in element)
        {
            if (c > 0xFF)
            {
                binary = false;
                break;
            }
        }

        if (binary)
        {
            var bytes = Encoding.Latin1.GetBytes(element);
            if (LooksLikeImage(bytes))
            {
                return bytes;
            }
        }

        var decoded = new byte[(element.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(element, decoded, out int written))
        {
            return decoded.AsSpan(0, written).ToArray();
        }

        if (binary)
        {
            // Not base64: hand the bytes to the decoder, which names the format problem (corrupt, unsupported…).
            return Encoding.Latin1.GetBytes(element);
        }

        throw new ProcessingException(nameof(OcrPipelineBackend),
            $"input '{ImageInput}' is text that is not base64; send the encoded image's bytes (binary tensor data or gRPC) or base64 text.");
    }

    private static T Client<T>(IInferenceBackend backend)
        where T : class, IModelContract<T> => T.CreateClient(backend);

    private static bool LooksLikeImage(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])
        || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])
        || bytes.StartsWith("GIF8"u8)
        || bytes.StartsWith("BM"u8)
        || (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var network in _networks)
            {
                network.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Creates <see cref="OcrPipelineBackend"/>s for models whose <see cref="ModelOptions.Processing"/> kind is <c>ocr</c>;
/// <see cref="ModelOptions.Path"/> is the model's folder. Settings: <c>detector</c>, <c>classifier</c>, <c>recognizer</c> (ONNX files;
/// defaults <c>det.onnx</c>, <c>cls.onnx</c>, <c>rec.onnx</c>), <c>dictionary</c> (default <c>ppocr_keys_v1.txt</c>), and optionally
/// <c>detector_max_side</c> (960), <c>classify_angle</c> (true), <c>max_recognition_batch</c> (32). The networks load through the
/// registered providers (ONNX Runtime) with the model's other options.
/// </summary>
public sealed class OcrPipelineProvider() : PipelineBackendProvider<OcrPipelineBackend>(Kind)
{
    /// <summary>The processing kind this provider serves.</summary>
    public const string Kind = "ocr";

    /// <inheritdoc />
    protected override OcrPipelineBackend Build(PipelineBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string detector = context.RequireFile("detector", "det.onnx");
        string classifier = context.RequireFile("classifier", "cls.onnx");
        string recognizer = context.RequireFile("recognizer", "rec.onnx");
        string dictionary = context.RequireFile("dictionary", PaddleOcrModels.DictionaryFile);
        var ocr = new OcrOptions
        {
            DetectorMaxSide = context.Int("detector_max_side", 960, 32, 8192),
            ClassifyAngle = context.Bool("classify_angle", true),
            MaxRecognitionBatch = context.Int("max_recognition_batch", 32, 1, 1024),
        };

        return new OcrPipelineBackend(context.ModelName, context.LoadNetwork(detector), context.LoadNetwork(classifier), context.LoadNetwork(recognizer),
            CtcDecoder.FromDictionary(dictionary), ocr);
    }
}

/// <summary>Registers the <c>ocr</c> pipeline provider.</summary>
public static class OcrPipelineModelKitBuilderExtensions
{
    /// <summary>
    /// Serves models configured with processing kind <c>ocr</c> (e.g. a repository's pulled <c>paddleocr</c>) as pipelines: an encoded
    /// image in, lines, boxes and scores out (<see cref="OcrPipelineBackend"/>).
    /// </summary>
    public static ModelKitBuilder AddOcrPipelines(this ModelKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddBackendProvider<OcrPipelineProvider>();
    }
}
