using System.Text.Json.Nodes;
using ModelKit.Audio.Vad;

namespace ModelKit.Models;

/// <summary>
/// Silero VAD v5 (MIT) from the npm package <c>@ricky0123/vad-web@0.0.31</c>, fetched with <c>npm pack</c> (the user's npm registry
/// settings apply) and checked against its pinned SHA-256. Pulling writes <c>silero-vad</c> as a stateful sequence model: its
/// <c>config.json</c> has the <c>sequence_batching</c> section of <see cref="SileroVadModels.ServableConfigJson"/>, so the server keeps
/// each stream's recurrent state (<c>state</c> ↔ <c>stateN</c>), fixes <c>sr</c> at 16 kHz, and clients send audio frames only
/// (<c>VoiceActivityDetector.ForSequences</c>, or any Open Inference Protocol client with <c>sequence_id</c>).
/// </summary>
public sealed class SileroVadSource : IModelSource
{
    private readonly ModelSourceContext _context;

    /// <summary>A source caching the npm package where <paramref name="context"/> says.</summary>
    public SileroVadSource(ModelSourceContext context)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
    }

    /// <inheritdoc />
    public string Name => SileroVadModels.ModelName;

    /// <inheritdoc />
    public string Description => $"Silero VAD v5 voice activity as a stateful sequence model (state kept by the server) from npm {SileroVadModels.Package.Spec}";

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> PullAsync(string repository, CancellationToken cancellationToken = default)
    {
        string model;
        try
        {
            model = await SileroVadModels.EnsureModelAsync(_context.NpmCacheDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (Acquisition.ModelAcquisitionException ex)
        {
            throw new ModelSourceException(ex.Message, ex);
        }

        return [await ModelFolderWriter.WriteAsync(repository, Name, [new(model, "model.onnx")], CreateConfig(), cancellationToken: cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>The <c>silero-vad</c> model's <c>config.json</c>: a description and <see cref="SileroVadModels.ServableConfigJson"/>.</summary>
    public static JsonObject CreateConfig()
    {
        var config = (JsonObject)JsonNode.Parse(SileroVadModels.ServableConfigJson())!;
        config.Insert(0, "description", $"Silero VAD v5 as a stateful sequence model: FP32 input [1,576] (a 32 ms frame at 16 kHz after the previous frame's last 64 samples) in, speech probability out; state kept by the server per sequence_id. From npm {SileroVadModels.Package.Spec}");
        return config;
    }
}
