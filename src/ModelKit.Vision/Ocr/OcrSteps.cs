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

/// <summary>Angle step: classifies line crops as 0° or 180° in one batch and turns the upside-down ones.</summary>
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

        var input = new float[windows.Count * 3 * Height * Width];
        for (int w = 0; w < windows.Count; w++)
        {
            TextRecognizer.WriteLine(windows[w].Window, input.AsSpan(w * 3 * Height * Width, 3 * Height * Width), Width, Half, Half);
        }

        var output = await model.ClassifyAsync(new ModelTensor<float>(input, windows.Count, 3, Height, Width), cancellationToken).ConfigureAwait(false);
        if (output.Length != windows.Count * 2)
        {
            throw new ModelExecutionException(PaddleOcrModels.ClassifierName, $"expected [{windows.Count}, 2] angle probabilities; got {output}.");
        }

        var p = output.Span;
        var sum = new float[crops.Length];
        var n = new int[crops.Length];
        for (int w = 0; w < windows.Count; w++)
        {
            sum[windows[w].Crop] += p[w * 2 + 1];
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
/// Recognition step: line crops scaled to height 48, sorted by width and run in batches padded to the widest crop of the batch
/// (at least 320 wide, as PaddleOCR), decoded with greedy CTC. Results come back in the crops' order.
/// </summary>
public sealed class TextRecognizer(ITextRecognizerModel model, CtcDecoder decoder, OcrOptions options)
{
    private const int Height = 48;
    private const int MinWidth = 320;
    private static readonly float[] Half = [0.5f, 0.5f, 0.5f];

    /// <summary>Recognizes each line crop; results come back in the order of <paramref name="crops"/>.</summary>
    public async Task<CtcResult[]> RecognizeAsync(IReadOnlyList<RgbImage> crops, CancellationToken cancellationToken)
    {
        var results = new CtcResult[crops.Count];
        var order = Enumerable.Range(0, crops.Count).OrderBy(i => crops[i].Width / (float)crops[i].Height).ToArray();
        for (int start = 0; start < order.Length; start += options.MaxRecognitionBatch)
        {
            var batch = order.AsSpan(start, Math.Min(options.MaxRecognitionBatch, order.Length - start)).ToArray();
            float maxRatio = batch.Max(i => crops[i].Width / (float)crops[i].Height);
            int width = Math.Max(MinWidth, (int)MathF.Ceiling(Height * maxRatio));
            int lineSize = 3 * Height * width;
            var input = new float[batch.Length * lineSize];
            for (int b = 0; b < batch.Length; b++)
            {
                WriteLine(crops[batch[b]], input.AsSpan(b * lineSize, lineSize), width, Half, Half);
            }

            var output = await model.RecognizeAsync(new ModelTensor<float>(input, batch.Length, 3, Height, width), cancellationToken).ConfigureAwait(false);
            var shape = output.Shape;
            if (shape.Length != 3 || shape[0] != batch.Length || shape[2] != decoder.ClassCount)
            {
                throw new ModelExecutionException(PaddleOcrModels.RecognizerName, $"expected CTC probabilities [{batch.Length}, T, {decoder.ClassCount}]; got {output}.");
            }

            int steps = (int)shape[1];
            int perLine = steps * decoder.ClassCount;
            for (int b = 0; b < batch.Length; b++)
            {
                results[batch[b]] = decoder.Decode(output.Span.Slice(b * perLine, perLine), steps);
            }
        }

        return results;
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
