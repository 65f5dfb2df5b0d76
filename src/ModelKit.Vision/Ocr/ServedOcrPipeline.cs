using System.Numerics;
using ModelKit.Vision.Detection;

namespace ModelKit.Vision.Ocr;

/// <summary>
/// The client side of an OCR pipeline model: encoded images in one <c>image</c> BYTES [N] tensor of binary elements, the
/// <see cref="OcrPipelineTensors"/> back, regrouped per image. A pipeline without <c>image_index</c> (one image per request) is
/// sent one image at a time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The client's runners belong to the backend, which disposes them; the reader does not own the backend.")]
internal sealed class ServedOcrPipeline
{
    private readonly DynamicModelClient _client;
    private readonly string[] _outputs;
    private readonly int _maxImages;

    public ServedOcrPipeline(IInferenceBackend backend, int maxImagesPerRequest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImagesPerRequest, 1);
        _client = new DynamicModelClient(backend);
        var signature = backend.Signature;
        if (signature.FindInput(OcrPipelineTensors.Image) is null
            || signature.FindOutput(OcrPipelineTensors.Lines) is null
            || signature.FindOutput(OcrPipelineTensors.Boxes) is null
            || signature.FindOutput(OcrPipelineTensors.Scores) is null)
        {
            throw new ModelKitException(
                $"Model '{backend.ModelName}' is not an OCR pipeline: it needs input '{OcrPipelineTensors.Image}' and outputs '{OcrPipelineTensors.Lines}', '{OcrPipelineTensors.Boxes}', '{OcrPipelineTensors.Scores}' ({signature}).");
        }

        _outputs = OcrPipelineTensors.Outputs.Where(o => signature.FindOutput(o) is not null).ToArray();
        _maxImages = signature.FindOutput(OcrPipelineTensors.ImageIndex) is null ? 1 : maxImagesPerRequest;
    }

    public async Task<IReadOnlyList<TextLine>[]> ReadAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken)
    {
        var results = new IReadOnlyList<TextLine>[images.Count];
        for (int start = 0; start < images.Count; start += _maxImages)
        {
            int count = Math.Min(_maxImages, images.Count - start);
            var chunk = new ReadOnlyMemory<byte>[count];
            for (int i = 0; i < count; i++)
            {
                chunk[i] = images[start + i];
            }

            var outputs = await _client.RunAsync([new NamedTensor(OcrPipelineTensors.Image, TensorValue.Create(chunk, count))], _outputs, cancellationToken).ConfigureAwait(false);
            Collect(outputs, results.AsSpan(start, count));
        }

        return results;
    }

    private void Collect(IReadOnlyList<NamedTensor> outputs, Span<IReadOnlyList<TextLine>> results)
    {
        var texts = Find(outputs, OcrPipelineTensors.Lines).Buffer.AsSpan<string>();
        var boxes = Find(outputs, OcrPipelineTensors.Boxes).Buffer.AsSpan<float>();
        var scores = Find(outputs, OcrPipelineTensors.Scores).Buffer.AsSpan<float>();
        var imageIndex = TryFind(outputs, OcrPipelineTensors.ImageIndex) is { } index ? index.Buffer.AsSpan<long>() : default;
        var boxScores = TryFind(outputs, OcrPipelineTensors.BoxScores) is { } bs ? bs.Buffer.AsSpan<float>() : default;
        var upsideDown = TryFind(outputs, OcrPipelineTensors.UpsideDown) is { } ud ? ud.Buffer.AsSpan<bool>() : default;
        int count = texts.Length;
        if (boxes.Length != count * 8 || scores.Length != count || (!imageIndex.IsEmpty && imageIndex.Length != count)
            || (!boxScores.IsEmpty && boxScores.Length != count) || (!upsideDown.IsEmpty && upsideDown.Length != count))
        {
            throw new ModelExecutionException(_client.Backend.ModelName,
                $"the OCR outputs disagree on the number of lines: {count} lines, {boxes.Length / 8} boxes, {scores.Length} scores.");
        }

        var lists = new List<TextLine>[results.Length];
        for (int n = 0; n < lists.Length; n++)
        {
            lists[n] = [];
        }

        for (int i = 0; i < count; i++)
        {
            long image = imageIndex.IsEmpty ? 0 : imageIndex[i];
            if ((ulong)image >= (ulong)lists.Length)
            {
                throw new ModelExecutionException(_client.Backend.ModelName, $"line {i} names image {image}, but the request sent {lists.Length}.");
            }

            var b = boxes.Slice(i * 8, 8);
            var box = new TextBox(new Vector2(b[0], b[1]), new Vector2(b[2], b[3]), new Vector2(b[4], b[5]), new Vector2(b[6], b[7]), boxScores.IsEmpty ? float.NaN : boxScores[i]);
            lists[image].Add(new TextLine(texts[i], scores[i], box, !upsideDown.IsEmpty && upsideDown[i]));
        }

        for (int n = 0; n < lists.Length; n++)
        {
            results[n] = lists[n];
        }
    }

    private TensorValue Find(IReadOnlyList<NamedTensor> outputs, string name) =>
        TryFind(outputs, name) ?? throw new ModelExecutionException(_client.Backend.ModelName, $"the OCR pipeline returned no '{name}'.");

    private static TensorValue? TryFind(IReadOnlyList<NamedTensor> outputs, string name)
    {
        foreach (var output in outputs)
        {
            if (string.Equals(output.Name, name, StringComparison.Ordinal))
            {
                return output.Value;
            }
        }

        return null;
    }
}
