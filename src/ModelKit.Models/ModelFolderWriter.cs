using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelKit.Models;

/// <summary>
/// Writes one servable model folder in Triton's repository layout: <c>&lt;repository&gt;/&lt;name&gt;/&lt;version&gt;/</c> with the files
/// and <c>&lt;repository&gt;/&lt;name&gt;/config.json</c>. Files are copied to a <c>.part</c> file and moved into place (a server
/// watching the repository never sees half a file), and a file already there with the same length is kept.
/// </summary>
/// <remarks>
/// The <c>config.json</c> of a model with processing has a <c>processing</c> section whose <c>kind</c> chooses the server's pipeline
/// backend (<c>text-embedding</c>: ModelKit.Text; <c>ocr</c>: ModelKit.Vision); the other keys are that kind's settings, with file
/// names relative to the version folder. See the README's "Models you can pull".
/// </remarks>
public static class ModelFolderWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="files"/> (source path → file name in the version folder) and <paramref name="config"/>.</summary>
    /// <returns>The model folder (<c>&lt;repository&gt;/&lt;name&gt;</c>).</returns>
    public static async Task<string> WriteAsync(string repository, string name, IEnumerable<KeyValuePair<string, string>> files, JsonObject config,
        long version = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(config);
        string modelFolder = Path.Combine(Path.GetFullPath(repository), name);
        string versionFolder = Path.Combine(modelFolder, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(versionFolder);
            foreach (var (source, fileName) in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                CopyIfChanged(source, Path.Combine(versionFolder, fileName));
            }

            string configPath = Path.Combine(modelFolder, "config.json");
            string temporary = configPath + ".part";
            await File.WriteAllTextAsync(temporary, config.ToJsonString(Indented) + Environment.NewLine, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, configPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelSourceException($"Model '{name}' could not be written to {modelFolder}: {ex.Message}", ex);
        }

        return modelFolder;
    }

    private static void CopyIfChanged(string source, string destination)
    {
        var info = new FileInfo(destination);
        if (info.Exists && info.Length == new FileInfo(source).Length)
        {
            return;
        }

        string temporary = destination + ".part";
        File.Copy(source, temporary, overwrite: true);
        File.Move(temporary, destination, overwrite: true);
    }
}
