namespace ModelKit.Vision.Ocr;

/// <summary>
/// PP-OCRv4 text detection (<c>ch_PP-OCRv4_det_infer.onnx</c>): a normalized BGR image [N, 3, H, W] (H and W multiples of 32)
/// in, a text-probability map [N, 1, H, W] out.
/// </summary>
[ModelContract(PaddleOcrModels.DetectorName)]
public partial interface ITextDetectorModel
{
    /// <summary>Runs detection on a batch of normalized BGR images; returns the text-probability map (<c>sigmoid_0.tmp_0</c>).</summary>
    [return: Tensor("sigmoid_0.tmp_0")]
    Task<ModelTensor<float>> DetectAsync([Tensor("x", -1, 3, -1, -1)] ModelTensor<float> image, CancellationToken cancellationToken);
}

/// <summary>
/// PP-OCR mobile v2.0 text-line angle classification (<c>ch_ppocr_mobile_v2.0_cls_infer.onnx</c>): line crops [N, 3, 48, 192] in,
/// [N, 2] probabilities of 0° and 180° out.
/// </summary>
[ModelContract(PaddleOcrModels.ClassifierName)]
public partial interface ITextAngleClassifierModel
{
    /// <summary>Classifies line crops as upright or upside down; returns [N, 2] probabilities (<c>softmax_0.tmp_0</c>).</summary>
    [return: Tensor("softmax_0.tmp_0")]
    Task<ModelTensor<float>> ClassifyAsync([Tensor("x", -1, 3, 48, -1)] ModelTensor<float> lines, CancellationToken cancellationToken);
}

/// <summary>
/// PP-OCRv4 text recognition (<c>ch_PP-OCRv4_rec_infer.onnx</c>): line crops [N, 3, 48, W] (padded to the widest) in,
/// CTC probabilities [N, T, 6625] out (blank, the 6,623 characters of <c>ppocr_keys_v1.txt</c>, space).
/// </summary>
[ModelContract(PaddleOcrModels.RecognizerName)]
public partial interface ITextRecognizerModel
{
    /// <summary>Recognizes line crops; returns per-time-step class probabilities for CTC decoding (<c>softmax_11.tmp_0</c>).</summary>
    [return: Tensor("softmax_11.tmp_0")]
    Task<ModelTensor<float>> RecognizeAsync([Tensor("x", -1, 3, 48, -1)] ModelTensor<float> lines, CancellationToken cancellationToken);
}
