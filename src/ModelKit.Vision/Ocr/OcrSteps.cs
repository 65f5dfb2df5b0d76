using System.Numerics;
using ModelKit.Vision.Detection;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Ocr;

/// <summary>Detection step: image → text boxes in the image's pixels (resize to the detector's stride of 32, normalize, run, DB post-process).</summary>
public sealed class TextDetector(ITextDetectorModel model, OcrOptions options)
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];
    private readonly DbPostProcessor _post = new(options.Detection);

    /// <summary>The detector's input size for an image: longer side capped, both sides rounded to multiples of 32.</summary>
    public static (int Width, int Height) InputSize(int width, int height, int maxSide)
    {
        float ratio = Math.Max(width, height) > maxSide ? maxSide / (float)Math.Max(width, height) : 1f;
        static int Round32(float v) => Math.Max(32, (int)MathF.Round(v / 32f) * 32);
        return (Round32(width * ratio), Round32(height * ratio));
    }

    /// <summary>Finds the text boxes in <paramref name="image"/>, in its own pixel coordinates (scaled back from the detector's input size).</summary>
    public async Task<IReadOnlyList<TextBox>> DetectAsync(RgbImage image, CancellationToken cancellationToken)
    {
        var (w, h) = InputSize(image.Width, image.Height, options.DetectorMaxSide);
        var resized = ImageOps.Resize(image, w, h);
        var input = new float[3 * w * h];
        ImageOps.ToNormalizedBgrPlanes(resized, input, w, w * h, Mean, Std);
        var map = await model.DetectAsync(new ModelTensor<float>(input, 1, 3, h, w), cancellationToken).ConfigureAwait(false);
        var shape = map.Shape;
        if (shape.Length != 4 || shape[2] != h || shape[3] != w)
        {
            throw new ModelExecutionException(PaddleOcrModels.DetectorName, $"expected a probability map [1, 1, {h}, {w}]; got {map}.");
        }

        return _post.Process(map.Span[..(w * h)], w, h, image.Width, image.Height);
    }
}

/// <summary>Crop step: cuts each box out upright (rotated boxes straightened; tall ones laid flat as PaddleOCR does).</summary>
public static class TextLineCropper
{
    /// <summary>Cuts <paramref name="box"/> out of <paramref name="image"/> as an upright line: rotated boxes straightened, lines taller than 1.5× their width turned flat.</summary>
    public static RgbImage Crop(RgbImage image, TextBox box)
    {
        int width = Math.Max(1, (int)MathF.Round(box.Width));
        int height = Math.Max(1, (int)MathF.Round(box.Height));
        var crop = ImageOps.CropQuad(image, box.Corners, width, height);
        return height / (float)width >= 1.5f ? ImageOps.Rotate90CounterClockwise(crop) : crop;
    }
}

/// <summary>
/// Angle step: classifies line crops as 0° or 180° in batches of up to <see cref="OcrOptions.MaxRecognitionBatch"/> windows and turns
/// the upside-down ones. Each crop's result depends on that crop alone, however many crops (of however many images) go together.
/// </summary>
public sealed class TextAngleClassifier(ITextAngleClassifierModel model, OcrOptions options)
{
    private const int Height = 48;
    private const int Width = 192;
    private static readonly float[] Half = [0.5f, 0.5f, 0.5f];

    /// <summary>
    /// Returns, per crop, whether it was upside down; turns those crops in place. A line wider than the classifier's 4:1 input is
    /// not squashed into it (which makes long lines look upside down to the model): up to three 4:1 windows (left, middle, right)
    /// are classified and their 180° probabilities averaged.
    /// </summary>
    public async Task<bool[]> CorrectAsync(RgbImage[] crops, CancellationToken cancellationToken)
    {
        var flipped = new bool[crops.Length];
        if (crops.Length == 0)
        {
            return flipped;
        }

        var windows = new List<(int Crop, RgbImage Window)>();
        for (int i = 0; i < crops.Length; i++)
        {
            var crop = crops[i];
            int windowWidth = (int)MathF.Ceiling(crop.Height * (Width / (float)Height));
            if (crop.Width <= windowWidth * 1.25f)
            {
                windows.Add((i, crop));
                continue;
            }

            int count = crop.Width >= windowWidth * 3 ? 3 : 2;
            for (int k = 0; k < count; k++)
            {
                int x = (int)((crop.Width - windowWidth) * (k / (float)(count - 1)));
                windows.Add((i, ImageOps.Crop(crop, x, 0, windowWidth, crop.Height)));
            }
        }

        // At most MaxRecognitionBatch windows per run: each window is classified on its own (fixed 48 × 192 input), so how the
        // windows are cut into runs does not change any result.
        var p = new float[windows.Count];
        int perWindow = 3 * Height * Width;
        for (int start = 0; start < windows.Count; start += options.MaxRecognitionBatch)
        {
            int count = Math.Min(options.MaxRecognitionBatch, windows.Count - start);
            var input = new float[count * perWindow];
            for (int w = 0; w < count; w++)
            {
                TextRecognizer.WriteLine(windows[start + w].Window, input.AsSpan(w * perWindow, perWindow), Width, Half, Half);
            }

            var output = await model.ClassifyAsync(new ModelTensor<float>(input, count, 3, Height, Width), cancellationToken).ConfigureAwait(false);
            if (output.Length != count * 2)
            {
                throw new ModelExecutionException(PaddleOcrModels.ClassifierName, $"expected [{count}, 2] angle probabilities; got {output}.");
            }

            var probabilities = output.Span;
            for (int w = 0; w < count; w++)
            {
                p[start + w] = probabilities[(w * 2) + 1];
            }
        }

        var sum = new float[crops.Length];
        var n = new int[crops.Length];
        for (int w = 0; w < windows.Count; w++)
        {
            sum[windows[w].Crop] += p[w];
            n[windows[w].Crop]++;
        }

        for (int i = 0; i < crops.Length; i++)
        {
            if (sum[i] / n[i] >= options.AngleThreshold)
            {
                flipped[i] = true;
                crops[i] = ImageOps.Rotate180(crops[i]);
            }
        }

        return flipped;
    }
}

/// <summary>
/// Recognition step: each line crop is scaled to height 48 and given an input width of its own — its scaled width rounded up to
/// the next of a fixed ladder of widths (320, then × 9/8, multiples of 16: at most 1/9 of a row is padding) — and crops of the
/// same input width run together, up to <see cref="OcrOptions.MaxRecognitionBatch"/> a run, zero-padded as PaddleOCR pads
/// (at least 320 wide), then decoded with greedy CTC. As a crop's padding depends on the crop alone, its result is the same
/// whichever crops (of one image or many) it is recognized with. Results come back in the crops' order.
/// </summary>
public sealed class TextRecognizer(ITextRecognizerModel model, CtcDecoder decoder, OcrOptions options)
{
    private const int Height = 48;
    private const int MinWidth = 320;
    private static readonly float[] Half = [0.5f, 0.5f, 0.5f];

    /// <summary>
    /// The recognizer's input width for a line of <paramref name="width"/> × <paramref name="height"/> pixels: its width at height 48
    /// rounded up on the ladder 320, 368, 416, 480, 544, … (each step × 9/8, rounded up to a multiple of 16).
    /// </summary>
    public static int InputWidth(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int needed = (int)MathF.Ceiling(Height * width / (float)height);
        int input = MinWidth;
        while (input < needed)
        {
            input = ((input * 9 / 8) + 15) / 16 * 16;
        }

        return input;
    }

    /// <summary>Recognizes each line crop; results come back in the order of <paramref name="crops"/>.</summary>
    public async Task<CtcResult[]> RecognizeAsync(IReadOnlyList<RgbImage> crops, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(crops);
        var results = new CtcResult[crops.Count];
        var widths = new int[crops.Count];
        for (int i = 0; i < crops.Count; i++)
        {
            widths[i] = InputWidth(crops[i].Width, crops[i].Height);
        }

        var order = Enumerable.Range(0, crops.Count).OrderBy(i => widths[i]).ToArray(); // stable: one width's crops keep their order
        for (int start = 0; start < order.Length;)
        {
            int width = widths[order[start]];
            int end = start + 1;
            while (end < order.Length && end - start < options.MaxRecognitionBatch && widths[order[end]] == width)
            {
                end++;
            }

            await RecognizeRunAsync(crops, order.AsMemory(start, end - start), width, results, cancellationToken).ConfigureAwait(false);
            start = end;
        }

        return results;
    }

    private async Task RecognizeRunAsync(IReadOnlyList<RgbImage> crops, ReadOnlyMemory<int> run, int width, CtcResult[] results, CancellationToken cancellationToken)
    {
        int count = run.Length;
        int lineSize = 3 * Height * width;
        var input = new float[count * lineSize];
        for (int b = 0; b < count; b++)
        {
            WriteLine(crops[run.Span[b]], input.AsSpan(b * lineSize, lineSize), width, Half, Half);
        }

        var output = await model.RecognizeAsync(new ModelTensor<float>(input, count, 3, Height, width), cancellationToken).ConfigureAwait(false);
        var shape = output.Shape;
        if (shape.Length != 3 || shape[0] != count || shape[2] != decoder.ClassCount)
        {
            throw new ModelExecutionException(PaddleOcrModels.RecognizerName, $"expected CTC probabilities [{count}, T, {decoder.ClassCount}]; got {output}.");
        }

        int steps = (int)shape[1];
        int perLine = steps * decoder.ClassCount;
        for (int b = 0; b < count; b++)
        {
            results[run.Span[b]] = decoder.Decode(output.Span.Slice(b * perLine, perLine), steps);
        }
    }

    /// <summary>
    /// Scales <paramref name="crop"/> to height 48 keeping its aspect (at most <paramref name="width"/> wide), normalizes it into the
    /// left of a [3, 48, width] slot; the rest stays 0 (the padding PaddleOCR uses).
    /// </summary>
    internal static void WriteLine(RgbImage crop, Span<float> slot, int width, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        int scaledWidth = Math.Clamp((int)MathF.Ceiling(Height * crop.Width / (float)crop.Height), 1, width);
        var resized = ImageOps.Resize(crop, scaledWidth, Height);
        ImageOps.ToNormalizedBgrPlanes(resized, slot, width, Height * width, mean, std);
    }
}

/// <summary>Reading-order helpers for whole pages.</summary>
internal static class PageOrder
{
    /// <summary>The box as it lies in the image turned 180° (so an upside-down page can be ordered as read).</summary>
    public static TextBox Turned(TextBox box, int width, int height)
    {
        Vector2 T(Vector2 p) => new(width - p.X, height - p.Y);
        return new TextBox(T(box.BottomRight), T(box.BottomLeft), T(box.TopLeft), T(box.TopRight), box.Score);
    }
}
