using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Samples.Media.Reading;
using ModelKit.Vision.Ocr;

namespace ModelKit.Samples.ConsoleApp.Media;

/// <summary>
/// <c>read</c>: reads the text lines of an image with PaddleOCR PP-OCRv4 (detector, angle classifier and recognizer, each a ModelKit
/// contract) and prints each line with its confidence and box. With no image it draws one (DejaVu Sans) and reads that. Remote,
/// against a server that serves the pipeline as one model (<c>paddleocr</c>), the image goes there in one request.
/// </summary>
internal sealed class ReadRunner(MediaOptions options, TextWriter output)
{
    public async Task<int> RunAsync(string? imagePath, string? text, CancellationToken cancellationToken)
    {
        if (imagePath is not null && text is not null)
        {
            throw new ArgumentException("Give an image or --text (which draws one), not both.", nameof(text));
        }

        if (imagePath is null)
        {
            var image = TextImage.Render(text ?? TextImage.SampleText);
            imagePath = Path.Combine(options.OutputFolder, "read-sample.png");
            Directory.CreateDirectory(options.OutputFolder);
            await File.WriteAllBytesAsync(imagePath, image.Png, cancellationToken).ConfigureAwait(false);
            output.WriteLine($"No image given: drew {(text is null ? "the sample text" : "your text")} in DejaVu Sans into {imagePath} ({image.Width}×{image.Height})");
        }
        else if (!File.Exists(imagePath))
        {
            throw new FileNotFoundException($"no image at '{Path.GetFullPath(imagePath)}'.", imagePath);
        }

        byte[] bytes = await File.ReadAllBytesAsync(imagePath, cancellationToken).ConfigureAwait(false);
        var files = await MediaModels.EnsurePaddleOcrAsync(cancellationToken).ConfigureAwait(false);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddTextReading(files, options.Placement));
        await using var provider = services.BuildServiceProvider();
        var reader = provider.GetRequiredService<ImageTextReader>();
        var size = TextImage.Measure(bytes);
        string models = reader.UsesPipelineModel
            ? $"served as one model '{PaddleOcrModels.PipelineName}': the image goes to the server, lines come back"
            : $"models '{PaddleOcrModels.DetectorName}', '{PaddleOcrModels.ClassifierName}', '{PaddleOcrModels.RecognizerName}'";
        output.WriteLine($"Reading {Path.GetFileName(imagePath)}{(size is { } s ? $" ({s.Width}×{s.Height})" : string.Empty)}: PaddleOCR PP-OCRv4 " +
            $"({models}), {options.Placement}");

        long start = Stopwatch.GetTimestamp();
        var lines = await reader.ReadAsync(bytes, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        output.WriteLine($"  {lines.Count} line{(lines.Count == 1 ? string.Empty : "s")} in {elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine();
        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            string box = string.Join(' ', line.Box.Corners.Select(static c => string.Create(CultureInfo.InvariantCulture, $"({c.X:F0},{c.Y:F0})")));
            output.WriteLine($"  {i + 1,2}. \"{line.Text}\"");
            output.WriteLine($"      confidence {line.Confidence:F3}   box {box}{(line.UpsideDown ? "   (was upside down)" : string.Empty)}");
        }

        return 0;
    }
}
