using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Processing;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Serving;

/// <summary>
/// Serves PaddleOCR's three networks with their processing as one model (processing kind <c>ocr</c>): the
/// <see cref="ImageTextReader"/> a client would run, in the server. Input <see cref="ImageInput"/> BYTES [N], binary
/// (<see cref="TensorElementType.Binary"/>; its metadata says <c>"content_type": "base64"</c>): encoded images (PNG, JPEG, WebP,
/// BMP, GIF) as raw bytes on the binary extension and gRPC, base64 text in REST JSON. Outputs, one row per line, image by image,
/// each image's lines in reading order (<see cref="OcrPipelineTensors"/>): <c>lines</c> BYTES [L], <c>boxes</c> FP32 [L, 4, 2],
/// <c>scores</c> FP32 [L], <c>image_index</c> INT64 [L], <c>box_scores</c> FP32 [L], <c>upside_down</c> BOOL [L]. Undecodable,
/// unsupported and oversized images (a decompression bomb's header is refused before any pixel memory) raise
/// <see cref="ProcessingException"/> naming the image, which a server answers with 400.
/// </summary>
public sealed class OcrPipelineBackend : PipelineBackend
{
    /// <summary>The image input's name.</summary>
    public const string ImageInput = OcrPipelineTensors.Image;

    /// <summary>The lines output's name.</summary>
    public const string LinesOutput = OcrPipelineTensors.Lines;

    /// <summary>The boxes output's name.</summary>
    public const string BoxesOutput = OcrPipelineTensors.Boxes;

    /// <summary>The scores output's name.</summary>
    public const string ScoresOutput = OcrPipelineTensors.Scores;

    private readonly IInferenceBackend[] _networks;
    private readonly ImageTextReader _reader;
    private readonly int _maxEncodedBytes;
    private readonly int _maxImages;

    /// <summary>
    /// A pipeline over the three networks (this backend owns and disposes them), reading with <paramref name="options"/>, at most
    /// <paramref name="maxImages"/> images per request.
    /// </summary>
    public OcrPipelineBackend(string modelName, IInferenceBackend detector, IInferenceBackend classifier, IInferenceBackend recognizer, CtcDecoder decoder, OcrOptions? options = null, int maxImages = 16)
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
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 1);
        _maxEncodedBytes = options.Decoder.MaxEncodedBytes;
        _maxImages = maxImages;
        Signature = new ModelSignature(
            [new TensorInfo(ImageInput, TensorElementType.Binary, [-1])],
            [
                new TensorInfo(LinesOutput, TensorElementType.String, [-1]),
                new TensorInfo(BoxesOutput, TensorElementType.Float, [-1, 4, 2]),
                new TensorInfo(ScoresOutput, TensorElementType.Float, [-1]),
                new TensorInfo(OcrPipelineTensors.ImageIndex, TensorElementType.Int64, [-1]),
                new TensorInfo(OcrPipelineTensors.BoxScores, TensorElementType.Float, [-1]),
                new TensorInfo(OcrPipelineTensors.UpsideDown, TensorElementType.Bool, [-1]),
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
        return [TensorValue.Create(new ReadOnlyMemory<byte>[] { data.ToArray() }, 1)];
    }

    /// <summary>The reader the pipeline runs.</summary>
    public ImageTextReader Reader => _reader;

    /// <inheritdoc />
    protected override string BackendName => "ocr";

    /// <inheritdoc />
    protected override async ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
    {
        var images = inputs[0].Buffer.AsMemory<ReadOnlyMemory<byte>>();
        if (images.Length == 0)
        {
            throw new ProcessingException(nameof(OcrPipelineBackend), $"input '{ImageInput}' holds no image; send one or more encoded images (PNG, JPEG…).");
        }

        if (images.Length > _maxImages)
        {
            throw new ProcessingException(nameof(OcrPipelineBackend), $"input '{ImageInput}' holds {images.Length} images; at most {_maxImages} are accepted per request.");
        }

        for (int n = 0; n < images.Length; n++)
        {
            var image = images.Span[n];
            if (image.IsEmpty)
            {
                throw new ProcessingException(nameof(OcrPipelineBackend), $"{Which(images.Length, n)} is empty; send an encoded image (PNG, JPEG…).");
            }

            if (image.Length > _maxEncodedBytes)
            {
                throw new ProcessingException(nameof(OcrPipelineBackend), $"{Which(images.Length, n)} has {image.Length} bytes; at most {_maxEncodedBytes} are accepted.");
            }
        }

        // All images' crops are classified and recognized together (ImageTextReader.ReadManyAsync's path); an image that does not
        // decode (corrupt, unsupported, or declaring too many pixels) is named.
        var read = await _reader.ReadImagesAsync(images.Length, n =>
        {
            try
            {
                return _reader.Decoder.Decode(images.Span[n].Span);
            }
            catch (ImageDecodeException ex)
            {
                throw new ProcessingException(nameof(OcrPipelineBackend), $"{Which(images.Length, n)}: {ex.Message}", ex);
            }
        }, cancellationToken).ConfigureAwait(false);
        int total = 0;
        foreach (var lines in read)
        {
            total += lines.Count;
        }

        var texts = new string[total];
        var boxes = new float[total * 8];
        var scores = new float[total];
        var imageIndex = new long[total];
        var boxScores = new float[total];
        var upsideDown = new bool[total];
        int i = 0;
        for (int n = 0; n < read.Length; n++)
        {
            foreach (var line in read[n])
            {
                texts[i] = line.Text;
                scores[i] = line.Confidence;
                imageIndex[i] = n;
                boxScores[i] = line.Box.Score;
                upsideDown[i] = line.UpsideDown;
                var corners = line.Box.Corners;
                for (int c = 0; c < 4; c++)
                {
                    boxes[(i * 8) + (c * 2)] = corners[c].X;
                    boxes[(i * 8) + (c * 2) + 1] = corners[c].Y;
                }

                i++;
            }
        }

        return
        [
            TensorValue.Create(texts, total),
            TensorValue.Create(boxes, total, 4, 2),
            TensorValue.Create(scores, total),
            TensorValue.Create(imageIndex, total),
            TensorValue.Create(boxScores, total),
            TensorValue.Create(upsideDown, total),
        ];
    }

    private static string Which(int count, int image) => count == 1 ? $"input '{ImageInput}'" : $"input '{ImageInput}' image {image}";

    private static T Client<T>(IInferenceBackend backend)
        where T : class, IModelContract<T> => T.CreateClient(backend);

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
/// <c>detector_max_side</c> (960), <c>classify_angle</c> (true), <c>max_recognition_batch</c> (8), <c>concurrent_detections</c> (2),
/// <c>max_images</c> (images per request, 16). The networks load through the registered providers (ONNX Runtime) with the model's other options.
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
            MaxRecognitionBatch = context.Int("max_recognition_batch", 8, 1, 1024),
            ConcurrentDetections = context.Int("concurrent_detections", 2, 1, 64),
        };
        int maxImages = context.Int("max_images", 16, 1, 1024);
        return new OcrPipelineBackend(context.ModelName, context.LoadNetwork(detector), context.LoadNetwork(classifier), context.LoadNetwork(recognizer),
            CtcDecoder.FromDictionary(dictionary), ocr, maxImages);
    }
}

/// <summary>Registers the <c>ocr</c> pipeline provider.</summary>
public static class OcrPipelineModelKitBuilderExtensions
{
    /// <summary>
    /// Serves models configured with processing kind <c>ocr</c> (e.g. a repository's pulled <c>paddleocr</c>) as pipelines: an encoded
    /// images in, lines, boxes, scores and the image each line came from out (<see cref="OcrPipelineBackend"/>).
    /// </summary>
    public static ModelKitBuilder AddOcrPipelines(this ModelKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddBackendProvider<OcrPipelineProvider>();
    }

    /// <summary>
    /// Serves PaddleOCR PP-OCRv4 from <paramref name="files"/> (<see cref="PaddleOcrModels.EnsureAsync"/>: the npm package's files) as
    /// one model, <paramref name="modelName"/> (default <see cref="PaddleOcrModels.PipelineName"/>), with processing kind <c>ocr</c>
    /// (<see cref="AddOcrPipelines"/> is called): encoded images in, lines, boxes, scores and image indexes out — what
    /// <c>modelkit pull paddleocr</c> + <c>modelkit serve</c> serve. <paramref name="configure"/> sets the model's other options
    /// after the files (e.g. <c>IntraOpThreads</c>, or <c>Processing.Settings["max_images"]</c>). The networks load through the
    /// registered ONNX provider (<c>AddOnnxRuntime()</c>), which the caller adds.
    /// </summary>
    public static ModelKitBuilder AddPaddleOcrPipeline(this ModelKitBuilder builder, PaddleOcrFiles files, Action<ModelOptions>? configure = null, string modelName = PaddleOcrModels.PipelineName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        return builder.AddOcrPipelines().AddModel(modelName, m =>
        {
            m.Path = files.Folder;
            m.Processing = new ProcessingOptions
            {
                Kind = OcrPipelineProvider.Kind,
                Settings =
                {
                    ["detector"] = Path.GetFileName(files.Detector),
                    ["classifier"] = Path.GetFileName(files.Classifier),
                    ["recognizer"] = Path.GetFileName(files.Recognizer),
                    ["dictionary"] = Path.GetFileName(files.Dictionary),
                },
            };
            configure?.Invoke(m);
        });
    }
}
