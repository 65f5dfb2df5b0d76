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
}
