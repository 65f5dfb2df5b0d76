using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Recognition;

namespace ModelKit.Vision;

/// <summary>Registers ModelKit's OCR pipeline.</summary>
public static class VisionServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ImageTextReader"/> with its options and the CTC character set read from <paramref name="dictionaryPath"/>
    /// (<c>ppocr_keys_v1.txt</c>; see <see cref="PaddleOcrModels.EnsureAsync"/>). The three model contracts
    /// (<see cref="ITextDetectorModel"/>, <see cref="ITextAngleClassifierModel"/>, <see cref="ITextRecognizerModel"/>) are registered
    /// with ModelKit as any model is, local or remote. When ModelKit has a model named <see cref="OcrOptions.PipelineModel"/>
    /// (<c>paddleocr</c>: e.g. <c>kit.AddModel("paddleocr", o => o.Endpoint = "http://ocr:8000")</c> or a <c>ModelKit:Models:paddleocr</c>
    /// configuration section) the reader sends images to that pipeline model instead, and neither the networks nor the dictionary
    /// are loaded.
    /// </summary>
    public static IServiceCollection AddImageTextReader(this IServiceCollection services, string dictionaryPath, Action<OcrOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dictionaryPath);
        var options = services.AddOptions<OcrOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => o.DetectorMaxSide >= 32 && o.MaxRecognitionBatch >= 1 && o.AngleThreshold is > 0 and <= 1 && o.MaxImagesPerRequest >= 1 && o.ConcurrentDetections >= 1,
            "OcrOptions: DetectorMaxSide must be at least 32, MaxRecognitionBatch, MaxImagesPerRequest and ConcurrentDetections at least 1 and AngleThreshold in (0, 1].");
        services.TryAddSingleton(_ => CtcDecoder.FromDictionary(dictionaryPath));
        services.TryAddSingleton(sp =>
        {
            var ocr = sp.GetRequiredService<IOptions<OcrOptions>>().Value;
            if (!string.IsNullOrEmpty(ocr.PipelineModel) && sp.GetService<ModelRegistry>() is { } registry && registry.Catalog.Contains(ocr.PipelineModel))
            {
                return new ImageTextReader(registry.GetBackend(ocr.PipelineModel), ocr);
            }

            return new ImageTextReader(
                sp.GetRequiredService<ITextDetectorModel>(),
                sp.GetRequiredService<ITextAngleClassifierModel>(),
                sp.GetRequiredService<ITextRecognizerModel>(),
                sp.GetRequiredService<CtcDecoder>(),
                ocr);
        });
        return services;
    }
}
