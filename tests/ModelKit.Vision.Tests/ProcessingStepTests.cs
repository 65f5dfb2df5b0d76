using Microsoft.Extensions.DependencyInjection;
using ModelKit.Processing;
using ModelKit.Testing;
using ModelKit.Vision.Imaging;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Processing;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision.Tests;

/// <summary>Recognition as ModelKit processing steps: lines of different widths batched in one padded run of the real model.</summary>
public sealed class ProcessingStepTests(OcrFixture fixture) : IClassFixture<OcrFixture>
{
    [SkippableFact]
    public void Lines_of_different_widths_run_as_one_padded_batch_and_read_as_alone()
    {
        string[] texts = ["river", "seven silver spoons", "the quick brown fox jumps over the lazy dog"];
        var decoder = new ImageDecoder();
        var lines = texts.Select(t => decoder.Decode(TextRendering.Render([(t, "DejaVuSans.ttf", 28)], 30 + (int)(t.Length * 17.5), 56, noise: false).Png)).ToList();

        var backend = fixture.Services.GetRequiredService<ModelRegistry>().GetBackend(PaddleOcrModels.RecognizerName);
        var operation = new ProcessedOperation<RgbImage, CtcResult>(backend, "TextLines", "Recognize",
            new TextLinePreprocessor(), new CtcTextPostprocessor(fixture.Services.GetRequiredService<CtcDecoder>()));

        var batched = operation.RunBatch(lines);
        var alone = lines.Select(l => operation.Run(l)).ToArray();
        Assert.Equal(texts.Select(TextMetrics.WithoutSpaces), batched.Select(r => TextMetrics.WithoutSpaces(r.Text)));
        Assert.Equal(alone.Select(r => r.Text), batched.Select(r => r.Text));
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal(alone[i].Confidence, batched[i].Confidence, 2);
        }
    }
}
