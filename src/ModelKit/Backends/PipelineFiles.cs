using System.Globalization;

namespace ModelKit;

/// <summary>Helpers for pipeline providers: the model's folder, its files and typed settings, the networks' options.</summary>
public static class PipelineFiles
{
    /// <summary>The pipeline's folder: <see cref="ModelOptions.Path"/> when a folder, else the folder of the file it names.</summary>
    public static string Folder(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string path = Path.GetFullPath(options.Path!);
        return Directory.Exists(path) ? path : Path.GetDirectoryName(path)!;
    }

    /// <summary>The full path of <paramref name="file"/> inside <paramref name="folder"/>; throws <see cref="ModelLoadException"/> when it is missing or outside.</summary>
    public static string Require(string modelName, string folder, string file, string setting)
    {
        string path = Path.GetFullPath(Path.Combine(folder, file));
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            throw new ModelLoadException(modelName, $"processing.{setting} '{file}' points outside the model's folder.");
        }

        return File.Exists(path) ? path : throw new ModelLoadException(modelName, $"processing.{setting}: '{file}' is not in {folder}.");
    }

    /// <summary>An integer setting in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/>.</summary>
    public static int Int(string modelName, ProcessingOptions processing, string key, int fallback, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(processing);
        string? text = processing.Get(key);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ModelLoadException(modelName, $"processing.{key} '{text}' is not an integer from {min} to {max}.");
    }

    /// <summary>A boolean setting, or <paramref name="fallback"/>.</summary>
    public static bool Bool(string modelName, ProcessingOptions processing, string key, bool fallback)
    {
        ArgumentNullException.ThrowIfNull(processing);
        string? text = processing.Get(key);
        return text is null ? fallback
            : bool.TryParse(text, out bool value) ? value
            : throw new ModelLoadException(modelName, $"processing.{key} '{text}' is not true or false.");
    }

    /// <summary>Options for one network of a pipeline: <paramref name="options"/>' runtime settings, with <paramref name="path"/> and no processing (<see cref="ModelOptions.CloneLocal"/>).</summary>
    public static ModelOptions NetworkOptions(ModelOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.CloneLocal(path);
    }
}
