namespace ModelKit.Models;

/// <summary>
/// Where obtained models are kept: <c>MODELKIT_CACHE</c> when set, else <c>modelkit/models</c> under the user's local application
/// data folder (<c>~/.local/share</c> on Linux). Files are written atomically (a <c>.part</c> file moved into place), so a
/// cancelled or concurrent download never leaves a half-written model behind.
/// </summary>
public sealed class ModelCache
{
    /// <summary>A cache rooted at <paramref name="root"/> (default: see the type's remarks).</summary>
    public ModelCache(string? root = null)
    {
        Root = Path.GetFullPath(root ?? DefaultRoot());
    }

    /// <summary>The cache folder.</summary>
    public string Root { get; }

    /// <summary>The folder for one model source and version (created).</summary>
    public string FolderFor(string source, string version)
    {
        string folder = Path.Combine(Root, source, version);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string DefaultRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("MODELKIT_CACHE");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return fromEnv;
        }

        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(local))
        {
            local = Path.Combine(Path.GetTempPath(), "modelkit-cache");
        }

        return Path.Combine(local, "modelkit", "models");
    }
}
