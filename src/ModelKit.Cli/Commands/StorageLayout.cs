using System.Globalization;

namespace ModelKit.Cli.Commands;

/// <summary>
/// What <c>modelkit serve</c> finds in its repository folder. Without a model name: a Triton-layout repository
/// (<c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>). With one (<c>--model-name</c> or <c>MODELKIT_MODEL_NAME</c>, as a
/// KServe ServingRuntime passes <c>{{.Name}}</c>): KServe's storage layout, where the storage initializer puts one model's files
/// in <c>/mnt/models</c> — <c>model.onnx</c> (or the folder's only <c>.onnx</c>) at the top, or in numeric version folders
/// (the highest is served) — or a Triton-layout repository that holds a folder of that name.
/// </summary>
internal sealed record StorageLayout(string? RepositoryPath, (string Name, string Path)? SingleModel)
{
    /// <summary>The environment variable read when <c>--model-name</c> is not given.</summary>
    public const string ModelNameVariable = "MODELKIT_MODEL_NAME";

    public static string? ModelNameFrom(string? given) =>
        !string.IsNullOrWhiteSpace(given) ? given.Trim()
        : Environment.GetEnvironmentVariable(ModelNameVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
        : null;

    public static bool TryResolve(string repository, string? modelName, out StorageLayout layout, out string? error)
    {
        layout = new StorageLayout(repository, null);
        error = null;
        if (modelName is null)
        {
            return true;
        }

        if (!ModelKit.Server.ModelNames.IsValidName(modelName))
        {
            error = $"the model name '{modelName}' is not valid (use letters, digits, '_', '-', '.').";
            return false;
        }

        if (Directory.Exists(Path.Combine(repository, modelName)))
        {
            return true; // a Triton-layout repository that has the model
        }

        string? file = FindModel(repository);
        if (file is null)
        {
            var versions = Directory.EnumerateDirectories(repository)
                .Select(static d => (Dir: d, Version: long.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : -1))
                .Where(static d => d.Version > 0)
                .OrderByDescending(static d => d.Version);
            file = versions.Select(static d => FindModel(d.Dir)).FirstOrDefault(static f => f is not null);
        }

        if (file is null)
        {
            error = $"--model-name '{modelName}' is given, but '{repository}' has neither a folder '{modelName}' (Triton layout) nor a model.onnx " +
                "at its top or in a numeric version folder (KServe storage layout).";
            return false;
        }

        layout = new StorageLayout(null, (modelName, file));
        return true;
    }

    private static string? FindModel(string folder)
    {
        string preferred = Path.Combine(folder, "model.onnx");
        if (File.Exists(preferred))
        {
            return preferred;
        }

        var candidates = Directory.GetFiles(folder, "*.onnx");
        return candidates.Length == 1 ? candidates[0] : null;
    }
}
