using System.Globalization;
using ModelKit.Acquisition;

namespace ModelKit.Audio.Vad;

/// <summary>Where Silero VAD v5 comes from: the npm package <c>@ricky0123/vad-web@0.0.31</c>, fetched once into a cache.</summary>
public static class SileroVadModels
{
    /// <summary>The model's name in configuration, on the wire and in a model repository.</summary>
    public const string ModelName = "silero-vad";

    /// <summary>The model file's name in the cache folder.</summary>
    public const string FileName = "silero_vad_v5.onnx";

    /// <summary>The pinned package and the file taken from it.</summary>
    public static NpmPackage Package { get; } = new("@ricky0123/vad-web", "0.0.31",
    [
        new("package/dist/silero_vad_v5.onnx", "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"),
    ]);

    /// <summary>The path of <c>silero_vad_v5.onnx</c>, fetched with <c>npm pack</c> on first use (honours the user's npm configuration).</summary>
    public static async Task<string> EnsureModelAsync(string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        string folder = await NpmPackageCache.EnsureAsync(Package, cacheDirectory, cancellationToken).ConfigureAwait(false);
        return Path.Combine(folder, FileName);
    }

    /// <summary>
    /// The servable folder's <c>config.json</c>: Silero VAD as a stateful sequence model. The server keeps <c>state</c> ↔
    /// <c>stateN</c> per sequence (<c>[2, batch, 128]</c>: batch axis 1, zeros at start), fixes <c>sr</c> at 16 kHz, and stacks
    /// the frames of up to <paramref name="maxBatchSize"/> streams into one run; clients send only <c>input</c> ([1, 576]: the
    /// 32 ms frame after its 64-sample context) and read <c>output</c>. Warm-up (<c>model_warmup</c>, Triton's names) runs one
    /// silent 576-sample frame as a one-request sequence (zero state, <c>sr</c> 16 kHz): zeros with the dynamic sample dimension as
    /// 1 would be too short for the model's STFT.
    /// </summary>
    public static string ServableConfigJson(int maxSequences = 1024, long maxSequenceIdleMicroseconds = 30_000_000, int maxBatchSize = 64) =>
        string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "sequence_batching": {
            "max_sequence_idle_microseconds": {{maxSequenceIdleMicroseconds}},
            "max_sequences": {{maxSequences}},
            "max_batch_size": {{maxBatchSize}},
            "max_queue_delay_microseconds": 500,
            "state": [
              { "input_name": "state", "output_name": "stateN", "data_type": "TYPE_FP32", "dims": [2, 128], "batch_axis": 1,
                "initial_state": { "zero_data": true } }
            ],
            "constant_input": [ { "name": "sr", "int64_value": {{SileroVad.SampleRate}} } ]
          },
          "model_warmup": [
            { "name": "silent_frame", "batch_size": 1, "inputs": { "input": { "data_type": "TYPE_FP32", "dims": [{{SileroVad.InputSamples}}], "zero_data": true } } }
          ],
          "options": { "IntraOpThreads": 1 }
        }
        """);

    /// <summary>
    /// Writes a servable folder into a model repository: <c>&lt;repository&gt;/&lt;name&gt;/1/model.onnx</c> (fetched as
    /// <see cref="EnsureModelAsync"/> does) and <c>&lt;repository&gt;/&lt;name&gt;/config.json</c> (<paramref name="configJson"/>, by
    /// default <see cref="ServableConfigJson"/>), so that <c>modelkit serve &lt;repository&gt;</c> serves Silero VAD with
    /// server-side sequences. Returns the model folder.
    /// </summary>
    public static async Task<string> WriteServableAsync(string repository, string name = ModelName, string? configJson = null,
        string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string model = await EnsureModelAsync(cacheDirectory, cancellationToken).ConfigureAwait(false);
        string folder = Path.Combine(repository, name);
        string version = Path.Combine(folder, "1");
        Directory.CreateDirectory(version);
        File.Copy(model, Path.Combine(version, "model.onnx"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), configJson ?? ServableConfigJson(), cancellationToken).ConfigureAwait(false);
        return folder;
    }
}
