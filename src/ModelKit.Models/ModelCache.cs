namespace ModelKit.Models;

/// <summary>
/// Where obtained models are kept: <c>models</c> in ModelKit's cache root (<see cref="Acquisition.ModelKitCache.Root"/>:
/// <c>MODELKIT_CACHE</c>, else <c>.cache</c> in a ModelKit checkout, else <c>~/.local/share/modelkit</c>). Files are written atomically (a <c>.part</c> file moved into place), so a
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

    private static string DefaultRoot() => Path.Combine(Acquisition.ModelKitCache.Root, "models");
}
