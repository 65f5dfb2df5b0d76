using ModelKit.Audio.Vad;
using ModelKit.Onnx;
using ModelKit.Samples.ConsoleApp.Media;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Testing;
using ModelKit.Vision.Ocr;

namespace ModelKit.Samples.Tests;

/// <summary>
/// A real ModelKit server (Kestrel on loopback, REST and gRPC) serving the console sample's text, vision and speech models under
/// the names the sample's remote clients ask for — what `--endpoint` points the commands at — and PaddleOCR as one model
/// (<c>paddleocr</c>), as <c>modelkit pull paddleocr</c> + <c>modelkit serve</c> serve it. The models come from the same
/// cache the library tests fill (ModelKitCache.Root: npm packages, and MiniLM under models/).
/// </summary>
public sealed class MediaServer : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"modelkit-media-search-{Guid.NewGuid():N}")).FullName;

    public MediaServer()
    {
        LocalSearch = new(async () =>
        {
            var output = new StringWriter();
            Assert.Equal(0, await new SearchRunner(new MediaOptions(ModelPlacement.Local, _folder), output).RunAsync(MediaCommandTests.Queries, 5, 300, null, CancellationToken.None));
            return (output.ToString(), _folder);
        });
    }

    public TestHost Host { get; private set; } = null!;

    /// <summary>A server with the folder <c>modelkit pull silero-vad</c> writes: Silero VAD as a stateful sequence model.</summary>
    public TestHost SequenceHost { get; private set; } = null!;

    private readonly TempRepository _repository = new();

    /// <summary>One local search of <see cref="MediaCommandTests"/>' queries (300 sentences embedded once for every test that compares with it).</summary>
    public Lazy<Task<(string Output, string Folder)>> LocalSearch { get; }

    public async Task InitializeAsync()
    {
        var minilm = await MediaModels.EnsureMiniLmAsync();
        var ocr = await MediaModels.EnsurePaddleOcrAsync();
        string vad = await MediaModels.EnsureSileroVadAsync();
        Host = await TestHost.StartAsync(models: kit => kit.AddOnnxRuntime()
            .AddModel(MediaModels.TextModelName, o => o.Path = minilm.Model)
            .AddModel(PaddleOcrModels.DetectorName, o => o.Path = ocr.Detector)
            .AddModel(PaddleOcrModels.ClassifierName, o => o.Path = ocr.Classifier)
            .AddModel(PaddleOcrModels.RecognizerName, o => o.Path = ocr.Recognizer)
            .AddModel(SileroVadModels.ModelName, o => o.Path = vad)
            .AddOcrPipelineModel(ocr));
        await SileroVadModels.WriteServableAsync(_repository.Root);
        SequenceHost = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await SequenceHost.DisposeAsync();
        _repository.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
