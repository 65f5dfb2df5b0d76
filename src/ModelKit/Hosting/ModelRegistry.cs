using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using ModelKit.Reloading;

namespace ModelKit;

/// <summary>
/// Owns one backend per registered model, created on first use through the registered <see cref="IInferenceBackendProvider"/>s
/// and disposed with the container. Every client of a model shares its backend (one ONNX Runtime session per model).
/// </summary>
public sealed partial class ModelRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IInferenceBackend>> _backends = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<ModelOptions> _options;
    private readonly IEnumerable<IInferenceBackendProvider> _providers;
    private readonly IServiceProvider _services;
    private readonly ILogger<ModelRegistry> _logger;
    private readonly List<ModelFileWatcher> _watchers = [];
    private bool _disposed;

    /// <summary>Creates the registry (done by <c>AddModelKit</c>); models load on first use, each by the first provider that can create it.</summary>
    public ModelRegistry(
        ModelKitModelCatalog catalog,
        IOptionsMonitor<ModelOptions> options,
        IEnumerable<IInferenceBackendProvider> providers,
        IServiceProvider services,
        ILogger<ModelRegistry>? logger = null)
    {
        Catalog = catalog;
        _options = options;
        _providers = providers;
        _services = services;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<ModelRegistry>.Instance;
    }

    /// <summary>The registered models.</summary>
    public ModelKitModelCatalog Catalog { get; }

    /// <summary>The options of a registered model.</summary>
    public ModelOptions GetOptions(string modelName) => _options.Get(modelName);

    /// <summary>The backends created so far.</summary>
    public IEnumerable<IInferenceBackend> LoadedBackends =>
        _backends.Values.Where(static lazy => lazy.IsValueCreated).Select(static lazy => lazy.Value);

    /// <summary>The backend of <paramref name="modelName"/>, created (loaded) on first use.</summary>
    public IInferenceBackend GetBackend(string modelName)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Catalog.Contains(modelName))
        {
            throw new ModelKitException($"Model '{modelName}' is not registered with ModelKit. Registered: {string.Join(", ", Catalog.ModelNames)}.");
        }

        var lazy = _backends.GetOrAdd(modelName, name => new Lazy<IInferenceBackend>(() => Create(name), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load is not cached: the next call tries again (the file may appear, the server may come up).
            _backends.TryRemove(new KeyValuePair<string, Lazy<IInferenceBackend>>(modelName, lazy));
            throw;
        }
    }

    /// <summary>Disposes every loaded backend and stops the model file watchers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lazy in _backends.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _backends.Clear();
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    private Reloading.ReloadingBackend WatchFile(Reloading.ReloadingBackend backend, string path)
    {
        var watcher = new ModelFileWatcher(path, () =>
        {
            try
            {
                backend.Reload();
                LogModelReloaded(backend.ModelName, backend.Version, backend.Description);
            }
            catch (Exception ex)
            {
                LogModelReloadFailed(ex, backend.ModelName);
            }
        });
        lock (_watchers)
        {
            _watchers.Add(watcher);
        }

        return backend;
    }

    /// <summary>
    /// Creates (loads) a new backend for <paramref name="modelName"/> with <paramref name="options"/> through the registered
    /// <see cref="IInferenceBackendProvider"/>s, the way registered models are created: the first provider that accepts the
    /// options loads it, and dynamic batching wraps it when <see cref="ModelOptions.Batching"/> is set. The backend is neither
    /// cached nor watched for changes: the caller owns it (a server loads repository model versions this way).
    /// </summary>
    /// <exception cref="ModelLoadException">No registered provider serves these options, or the model does not load.</exception>
    public IInferenceBackend CreateBackend(string modelName, ModelOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var provider = FindProvider(modelName, options);
        long start = Stopwatch.GetTimestamp();
        var backend = WithBatching(provider.Create(modelName, options, _services), options);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            // Locals: CA1873 does not see the guard above through a source-generated logger method.
            string description = backend.Description;
            double elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            LogModelLoaded(modelName, description, elapsedMs);
        }

        return backend;
    }

    private IInferenceBackend Create(string modelName)
    {
        var options = _options.Get(modelName);
        var provider = FindProvider(modelName, options);
        long start = Stopwatch.GetTimestamp();
        IInferenceBackend backend = options.ReloadOnChange && options.IsLocal
            ? WatchFile(new Reloading.ReloadingBackend(() => provider.Create(modelName, options, _services)), options.Path!)
            : provider.Create(modelName, options, _services);
        backend = WithBatching(backend, options);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            // Locals: CA1873 does not see the guard above through a source-generated logger method.
            string description = backend.Description;
            double elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            LogModelLoaded(modelName, description, elapsedMs);
        }

        return backend;
    }

    private IInferenceBackendProvider FindProvider(string modelName, ModelOptions options)
    {
        var provider = _providers.FirstOrDefault(p => p.CanCreate(options));
        if (provider is null && options.Processing?.Kind is { } processingKind)
        {
            throw new ModelLoadException(modelName,
                $"its processing kind is '{processingKind}', and no registered backend serves it. Known kinds: text-embedding (ModelKit.Text: AddTextEmbeddingPipelines), ocr (ModelKit.Vision: AddOcrPipelines) (registered backends: {string.Join(", ", _providers.Select(static p => p.Name).DefaultIfEmpty("none"))}).");
        }

        if (provider is null)
        {
            string kind = options.IsRemote ? "Endpoint (remote)" : options.IsLocal ? "Path (local)" : "neither Path nor Endpoint";
            string package = options.IsRemote ? "ModelKit.Remote" : "ModelKit.Onnx";
            throw new ModelLoadException(modelName,
                $"its options set {kind}, and no registered backend serves that. Reference the {package} package (registered backends: {string.Join(", ", _providers.Select(static p => p.Name).DefaultIfEmpty("none"))}).");
        }

        return provider;
    }

    private static IInferenceBackend WithBatching(IInferenceBackend backend, ModelOptions options)
    {
        if (options.Batching is not { } batching || options.Processing?.Kind is not null)
        {
            // A pipeline batches inside: its provider hands the batching options to the networks it runs.
            return backend;
        }

        try
        {
            return new Batching.BatchingBackend(backend, batching);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Model '{Model}' loaded on {Backend} in {ElapsedMs:F1} ms")]
    private partial void LogModelLoaded(string model, string backend, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Model '{Model}' reloaded (version {Version}) on {Backend}")]
    private partial void LogModelReloaded(string model, int version, string backend);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Model '{Model}' changed on disk but could not be reloaded; the previous version keeps serving")]
    private partial void LogModelReloadFailed(Exception exception, string model);
}
