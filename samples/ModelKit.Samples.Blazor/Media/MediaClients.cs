using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using ModelKit.Audio.Vad;
using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Vision.Ocr;

namespace ModelKit.Samples.BlazorApp.Media;

/// <summary>A model the page needs is not here or the server did not answer; the message is meant for the page.</summary>
public sealed class MediaUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The text, vision and speech services for a page, local or remote: local ones come from the app's container (in-process ONNX
/// Runtime; the app's ModelKit server serves the same models), remote ones from a small container whose models set
/// <c>Endpoint</c> (<see cref="RemoteSettings.Endpoint"/>, else this app's own address). Processing (tokenization, images, audio)
/// runs here either way; only tensors go to the server.
/// </summary>
public sealed class MediaClients(IServiceProvider services, MediaModelFiles files, IOptions<SampleOptions> options, SelfAddress self) : IDisposable
{
    private readonly Lock _gate = new();
    private ServiceProvider? _remote;
    private string? _remoteEndpoint;

    /// <summary>The server remote calls go to (null until the app listens).</summary>
    public string? RemoteEndpoint => options.Value.Remote.Endpoint ?? self.Get();

    /// <summary>all-MiniLM-L6-v2 as an embedding generator.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> Embeddings(InferenceLocation location) =>
        Resolve<IEmbeddingGenerator<string, Embedding<float>>>(location, files.MiniLm is null ? files.MiniLmError : null);

    /// <summary>PaddleOCR's reader.</summary>
    public ImageTextReader Reader(InferenceLocation location) => Resolve<ImageTextReader>(location, files.Ocr is null ? files.OcrError : null);

    /// <summary>
    /// Silero VAD's detector, and whether it runs over server-side sequences: Remote, against a server that serves <c>silero-vad</c>
    /// as a sequence model (this app's own server does), only audio goes on the wire; otherwise the state travels with each frame.
    /// </summary>
    public (VoiceActivityDetector Detector, bool ServerSequences) VoiceActivity(InferenceLocation location)
    {
        if (files.Vad is null)
        {
            throw new MediaUnavailableException(files.VadError ?? "Silero VAD is not available.");
        }

        return location == InferenceLocation.Local ? (services.GetRequiredService<VoiceActivityDetector>(), false) : MediaModels.VoiceActivity(Remote());
    }

    /// <summary>Explains a failure for the page: remote failures name the server.</summary>
    public MediaUnavailableException Explain(Exception ex, InferenceLocation location) => ex switch
    {
        MediaUnavailableException unavailable => unavailable,
        _ when location == InferenceLocation.Remote => new MediaUnavailableException($"The ModelKit server at {RemoteEndpoint ?? "(this app)"} did not answer: {Describe(ex)}", ex),
        _ => new MediaUnavailableException(Describe(ex), ex),
    };

    public void Dispose()
    {
        lock (_gate)
        {
            _remote?.Dispose();
            _remote = null;
        }
    }

    private T Resolve<T>(InferenceLocation location, string? missing)
        where T : notnull
    {
        if (missing is not null)
        {
            throw new MediaUnavailableException(missing);
        }

        return location == InferenceLocation.Local ? services.GetRequiredService<T>() : Remote().GetRequiredService<T>();
    }

    private ServiceProvider Remote()
    {
        lock (_gate)
        {
            string endpoint = RemoteEndpoint ?? throw new MediaUnavailableException("The app is not listening yet; try again in a moment.");
            if (_remote is null || _remoteEndpoint != endpoint)
            {
                _remote?.Dispose();
                var remote = options.Value.Remote;
                var placement = new ModelPlacement { Endpoint = endpoint, Protocol = remote.Protocol, ApiKey = remote.ApiKey, Timeout = remote.Timeout };
                var collection = new ServiceCollection();
                collection.AddLogging();
                collection.AddModelKit(kit =>
                {
                    if (files.MiniLm is not null)
                    {
                        kit.AddSentenceEmbeddings(files.MiniLm, placement);
                    }

                    if (files.Ocr is not null)
                    {
                        kit.AddTextReading(files.Ocr, placement);
                    }

                    if (files.Vad is not null)
                    {
                        kit.AddVoiceActivity(files.Vad, placement);
                    }
                });
                _remote = collection.BuildServiceProvider();
                _remoteEndpoint = endpoint;
            }

            return _remote;
        }
    }

    // ModelKit's errors say everything in their own message; other exceptions (sockets, HTTP) get their first inner cause added.
    private static string Describe(Exception ex) =>
        ex is ModelKitException || ex.InnerException is null || ex.Message.Contains(ex.InnerException.Message, StringComparison.Ordinal)
            ? ex.Message
            : $"{ex.Message} ({ex.InnerException.Message})";
}
