using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Processing;
using ModelKit.Testing;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Recognition;
using ModelKit.Vision.Serving;

namespace ModelKit.Vision.Tests;

/// <summary>
/// Several images read together: their crops go through the angle classifier and the recognizer as shared batches, and every
/// image reads exactly as it reads alone (text, confidence within 1e-4, boxes, box scores, the upside-down flag).
/// </summary>
public sealed class OcrBatchingTests(OcrFixture local) : IClassFixture<OcrFixture>
{
    private static byte[][] Images() =>
    [
        TextRendering.Render(
        [
            ("Seven silver spoons rest on the table", "DejaVuSans.ttf", 30),
            ("The quick brown fox jumps over", "DejaVuSerif.ttf", 26),
            ("a lazy dog in the quiet garden", "DejaVuSansMono.ttf", 22),
        ], 760, 240, noise: false).Png,
        TextRendering.Turned(TextRendering.Render([("Upside down words read right", "DejaVuSans.ttf", 28)], 600, 90, noise: false)).Png,
        TextRendering.Render([], 200, 80, noise: false).Png,
        TextRendering.Render([("Hi there", "DejaVuSans.ttf", 26)], 240, 70, noise: true).Png,
        TextRendering.Render([("the last line runs across the whole wide page without a break today", "DejaVuSerif.ttf", 24)], 1100, 80, noise: false).Png,
        TextRendering.RenderAt(
        [
            ("morning coffee", "DejaVuSans.ttf", 28, 40, 30),
            ("evening music", "DejaVuSans.ttf", 28, 480, 32),
            ("the quiet river bends", "DejaVuSerif.ttf", 24, 40, 110),
        ], 860, 180, noise: true).Png,
    ];

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Images_read_together_read_as_each_alone_and_share_classifier_and_recognizer_runs(int concurrentDetections)
    {
        // Runs of up to 32 (not the default 8), so that the run counts below do not depend on how the windows fall into runs.
        var reader = Reader(new OcrOptions { ConcurrentDetections = concurrentDetections, MaxRecognitionBatch = 32 });
        var images = Images();
        using var spans = new SpanCollector(ModelKitActivitySource.Name);
        var alone = new List<IReadOnlyList<TextLine>>();
        ActivityTraceId aloneTrace, togetherTrace;
        using (var root = spans.StartRoot("alone"))
        {
            aloneTrace = root.TraceId;
            foreach (var image in images)
            {
                alone.Add(await reader.ReadAsync(image));
            }
        }

        IReadOnlyList<IReadOnlyList<TextLine>> together;
        using (var root = spans.StartRoot("together"))
        {
            togetherTrace = root.TraceId;
            together = await reader.ReadManyAsync(images.Select(static b => (ReadOnlyMemory<byte>)b).ToArray());
        }

        Assert.Equal(images.Length, together.Count);
        Assert.True(alone.Select(static l => l.Count).SequenceEqual([3, 1, 0, 1, 1, 3]), string.Join(" / ", alone.Select(static l => string.Join(" | ", l.Select(static t => t.Text)))));
        Assert.True(alone[1].Single().UpsideDown);
        for (int i = 0; i < images.Length; i++)
        {
            AssertSame(alone[i], together[i], $"image {i}");
        }

        // The crops of all images went together: the windows of all 9 crops in one classifier run (one per image with text alone),
        // and fewer recognizer runs than image by image — each image's crops are grouped as when it is read alone, so fewer runs
        // means runs holding crops of several images.
        var (aloneCls, aloneRec) = Runs(spans, aloneTrace);
        var (togetherCls, togetherRec) = Runs(spans, togetherTrace);
        Assert.Equal(5, aloneCls);
        Assert.Equal(1, togetherCls);
        Assert.True(togetherRec < aloneRec, $"recognizer runs together {togetherRec}, alone {aloneRec}");
    }

    [SkippableFact]
    public async Task Past_the_crop_pixel_budget_images_are_read_in_waves_with_the_same_results()
    {
        var images = Images();
        var together = Reader(new OcrOptions { MaxRecognitionBatch = 32 });
        var waves = new ImageTextReader(
            local.Services.GetRequiredService<ITextDetectorModel>(),
            local.Services.GetRequiredService<ITextAngleClassifierModel>(),
            local.Services.GetRequiredService<ITextRecognizerModel>(),
            local.Services.GetRequiredService<CtcDecoder>(),
            new OcrOptions { MaxRecognitionBatch = 32, ConcurrentDetections = 1 }) { MaxCropPixelsPerWave = 1 };
        using var spans = new SpanCollector(ModelKitActivitySource.Name);
        var input = images.Select(static b => (ReadOnlyMemory<byte>)b).ToArray();
        var expected = await together.ReadManyAsync(input);
        ActivityTraceId trace;
        IReadOnlyList<IReadOnlyList<TextLine>> read;
        using (var root = spans.StartRoot("waves"))
        {
            trace = root.TraceId;
            read = await waves.ReadManyAsync(input);
        }

        for (int i = 0; i < images.Length; i++)
        {
            AssertSame(expected[i], read[i], $"image {i}");
        }

        // A budget of one pixel, one detection at a time: every image with text is its own wave (each wave's crops classified in
        // one run). With two at a time, the two images taken together form a wave.
        Assert.Equal(5, Runs(spans, trace).Classifier);
    }

    [Fact]
    public void A_crops_recognizer_input_width_depends_on_the_crop_alone_on_a_ladder_with_little_padding()
    {
        Assert.Equal(320, TextRecognizer.InputWidth(10, 48));
        Assert.Equal(320, TextRecognizer.InputWidth(320, 48));
        Assert.Equal(368, TextRecognizer.InputWidth(321, 48));
        Assert.Equal(368, TextRecognizer.InputWidth(180, 24)); // aspect, not size
        Assert.Equal(416, TextRecognizer.InputWidth(369, 48));
        Assert.Equal(480, TextRecognizer.InputWidth(417, 48));
        int previous = 320;
        for (int width = 1; width <= 6000; width++)
        {
            int input = TextRecognizer.InputWidth(width, 48);
            Assert.True(input >= Math.Max(320, width) && input % 16 == 0, $"{width} → {input}");
            Assert.True(input >= previous, $"{width} → {input} < {previous}");
            if (width > 320)
            {
                Assert.True(input - width <= (input / 9) + 16, $"{width} → {input}: {input - width} padding");
            }

            previous = input;
        }
    }

    [SkippableFact]
    public async Task A_bad_image_among_many_is_named_by_the_served_pipeline_whichever_detection_finishes_first()
    {
        var images = Images();
        var client = new DynamicModelClient(Backend(new OcrOptions { ConcurrentDetections = 2 }, 16));
        ReadOnlyMemory<byte>[] request = [images[0], images[1], "not an image"u8.ToArray(), ImageDecoderTests.PngDeclaring(30_000, 30_000), images[3]];
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var error = await Assert.ThrowsAsync<ProcessingException>(() => client.RunAsync([new NamedTensor(OcrPipelineTensors.Image, TensorValue.Create(request, request.Length))]).AsTask());
            Assert.Contains("image 2", error.Message);
        }

        request[2] = images[2];
        var bomb = await Assert.ThrowsAsync<ProcessingException>(() => client.RunAsync([new NamedTensor(OcrPipelineTensors.Image, TensorValue.Create(request, request.Length))]).AsTask());
        Assert.Contains("image 3", bomb.Message);
        Assert.Contains("30000", bomb.Message);
    }

    [SkippableFact]
    public async Task AddPaddleOcrPipeline_serves_the_pipeline_from_the_files_with_the_callers_options()
    {
        var images = Images().Take(4).Select(static b => (ReadOnlyMemory<byte>)b).ToArray();
        var expected = new List<IReadOnlyList<TextLine>>();
        foreach (var image in images)
        {
            expected.Add(await local.Reader.ReadAsync(image));
        }

        foreach (int perRequest in new[] { 16, 2 })
        {
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddOnnxRuntime().AddPaddleOcrPipeline(local.Files, m =>
            {
                m.IntraOpThreads = 1;
                m.Processing!.Settings["max_images"] = "2";
            }));
            services.AddImageTextReader(local.Files.Dictionary, o => o.MaxImagesPerRequest = perRequest);
            await using var provider = services.BuildServiceProvider();
            var backend = provider.GetRequiredService<ModelRegistry>().GetBackend(PaddleOcrModels.PipelineName);
            Assert.Contains("ocr pipeline", backend.Description);
            Assert.Equal(OcrPipelineTensors.Outputs, backend.Signature.Outputs.Select(static o => o.Name));
            var reader = provider.GetRequiredService<ImageTextReader>();
            Assert.True(reader.UsesPipelineModel);
            if (perRequest > 2)
            {
                // The configured max_images (2) is the served model's: four images in one request are refused.
                var error = await Assert.ThrowsAsync<ProcessingException>(() => reader.ReadManyAsync(images));
                Assert.Contains("at most 2", error.Message);
                continue;
            }

            var read = await reader.ReadManyAsync(images);
            for (int i = 0; i < images.Length; i++)
            {
                AssertSame(expected[i], read[i], $"image {i}");
            }
        }
    }

    private ImageTextReader Reader(OcrOptions options) => new(
        local.Services.GetRequiredService<ITextDetectorModel>(),
        local.Services.GetRequiredService<ITextAngleClassifierModel>(),
        local.Services.GetRequiredService<ITextRecognizerModel>(),
        local.Services.GetRequiredService<CtcDecoder>(),
        options);

    private OcrPipelineBackend Backend(OcrOptions options, int maxImages)
    {
        var registry = local.Services.GetRequiredService<ModelRegistry>();
        // Not disposed: its networks are the fixture's.
        return new OcrPipelineBackend("paddleocr-test",
            registry.GetBackend(PaddleOcrModels.DetectorName), registry.GetBackend(PaddleOcrModels.ClassifierName), registry.GetBackend(PaddleOcrModels.RecognizerName),
            local.Services.GetRequiredService<CtcDecoder>(), options, maxImages);
    }

    private static (int Classifier, int Recognizer) Runs(SpanCollector spans, ActivityTraceId trace)
    {
        var runs = spans.InTrace(trace).Select(static s => s.DisplayName).ToList();
        return (runs.Count(static r => r == "run " + PaddleOcrModels.ClassifierName), runs.Count(static r => r == "run " + PaddleOcrModels.RecognizerName));
    }

    internal static void AssertSame(IReadOnlyList<TextLine> expected, IReadOnlyList<TextLine> actual, string because)
    {
        Assert.True(expected.Select(static l => l.Text).SequenceEqual(actual.Select(static l => l.Text)),
            $"{because}: expected [{string.Join(" | ", expected.Select(static l => l.Text))}], got [{string.Join(" | ", actual.Select(static l => l.Text))}]");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(Math.Abs(expected[i].Confidence - actual[i].Confidence) <= 1e-4, $"{because}, line {i}: confidence {expected[i].Confidence} vs {actual[i].Confidence}");
            Assert.Equal(expected[i].Box, actual[i].Box);
            Assert.Equal(expected[i].UpsideDown, actual[i].UpsideDown);
        }
    }
}
