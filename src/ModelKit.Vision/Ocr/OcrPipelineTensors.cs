namespace ModelKit.Vision.Ocr;

/// <summary>
/// The tensors of the OCR pipeline served as one model (<see cref="Serving.OcrPipelineBackend"/>). One request carries N images; the
/// lines of all of them come back flattened, image by image, each image's lines in reading order, with <see cref="ImageIndex"/>
/// saying which image a line belongs to — the layout of ONNX <c>NonMaxSuppression</c>'s <c>batch_index</c> and of Triton ensembles
/// whose per-image results vary in length. An image with no text contributes no rows.
/// </summary>
public static class OcrPipelineTensors
{
    /// <summary>Input <c>image</c> BYTES [N]: encoded images (PNG, JPEG, WebP, BMP, GIF), raw bytes (base64 text in REST JSON).</summary>
    public const string Image = "image";

    /// <summary>Output <c>lines</c> BYTES [L]: each line's text (UTF-8).</summary>
    public const string Lines = "lines";

    /// <summary>Output <c>boxes</c> FP32 [L, 4, 2]: each line's corners (top-left, top-right, bottom-right, bottom-left) as x, y in its image's pixels.</summary>
    public const string Boxes = "boxes";

    /// <summary>Output <c>scores</c> FP32 [L]: the recognizer's confidence per line.</summary>
    public const string Scores = "scores";

    /// <summary>Output <c>image_index</c> INT64 [L]: which input image (0 … N−1) each line was read from; non-decreasing.</summary>
    public const string ImageIndex = "image_index";

    /// <summary>Output <c>box_scores</c> FP32 [L]: the detector's mean text probability inside each line's box.</summary>
    public const string BoxScores = "box_scores";

    /// <summary>Output <c>upside_down</c> BOOL [L]: whether the line was upside down (turned before recognition).</summary>
    public const string UpsideDown = "upside_down";

    /// <summary>The outputs in the order the pipeline declares them.</summary>
    public static IReadOnlyList<string> Outputs { get; } = [Lines, Boxes, Scores, ImageIndex, BoxScores, UpsideDown];
}
