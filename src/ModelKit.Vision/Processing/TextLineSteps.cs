using ModelKit.Processing;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Processing;

/// <summary>
/// Pre-processing step for PaddleOCR recognition: one upright line crop → <c>x</c> [1, 3, 48, W] (scaled to height 48 keeping its
/// aspect, normalized to [-1, 1], BGR planes), with W declared variable (<see cref="StepTensor.PadAxis"/> 3) so a batch of lines of
/// different widths runs as one, zero-padded to the widest — the padding PaddleOCR itself uses. Thread-safe.
/// </summary>
public sealed class TextLinePreprocessor : IPreprocessor<RgbImage>
{
    private const int Height = 48;
    private static readonly float[] Half = [0.5f, 0.5f, 0.5f];

    /// <inheritdoc/>
    public IReadOnlyList<StepTensor> Tensors { get; } = [new StepTensor("x", TensorElementType.Float, [-1, 3, Height, -1]) { PadAxis = 3 }];

    /// <inheritdoc/>
    public void Preprocess(RgbImage input, ProcessingContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        int width = Math.Max(1, (int)MathF.Ceiling(Height * input.Width / (float)input.Height));
        var buffer = context.Rent<float>(3 * Height * width);
        buffer.Span.Clear();
        TextRecognizer.WriteLine(input, buffer.Span, width, Half, Half);
        context.SetInput<float>("x", buffer, [1, 3, Height, width]);
    }
}

/// <summary>
/// Post-processing step for PaddleOCR recognition: one line's <c>softmax_11.tmp_0</c> [1, T, classes] → text and confidence by
/// greedy CTC decoding (<see cref="CtcDecoder"/>). Time steps over a batch's padding decode as blanks. Thread-safe.
/// </summary>
public sealed class CtcTextPostprocessor(CtcDecoder decoder) : IPostprocessor<CtcResult>
{
    private const string Output = "softmax_11.tmp_0";

    /// <inheritdoc/>
    public IReadOnlyList<StepTensor> Tensors { get; } = [new StepTensor(Output, TensorElementType.Float, [-1, -1, -1])];

    /// <inheritdoc/>
    public CtcResult Postprocess(ProcessingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var output = context.GetOutput(Output);
        if (output.Shape.Length != 3 || output.Shape[0] != 1 || output.Shape[2] != decoder.ClassCount)
        {
            throw new ProcessingException(nameof(CtcTextPostprocessor), $"{context.Operation}: '{Output}' has shape {output.ShapeText}; expected [1, T, {decoder.ClassCount}].");
        }

        return decoder.Decode(output.Buffer.AsSpan<float>(), (int)output.Shape[1]);
    }
}
