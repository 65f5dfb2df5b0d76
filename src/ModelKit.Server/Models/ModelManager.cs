using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Server;

/// <summary>
/// The models a server serves: registered ModelKit models and repository models. Loads build new versions beside the
/// current ones and swap atomically; replaced and unloaded versions are disposed only after the requests running on them
/// finish, so no request in flight fails because of a load or unload.
/// </summary>
internal sealed class ModelManager : IDisposable
{
    private readonly ConcurrentDictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly ModelKitServerOptions _options;
    private readonly ModelRegistry _registry;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    public ModelManager(IOptions<ModelKitServerOptions> options, ModelRegistry registry, ServerMetrics metrics, ILogger<ModelManager> logger)
    {
        _options = options.Value;
        _registry = registry;
        _metrics = metrics;
        _logger = logger;
        Repository = _options.RepositoryPath is { } path ? new ModelRepository(path) : null;
    }

    public ModelRepository? Repository { get; }

    /// <summary>Whether start-up loading has finished.</summary>
    public bool StartupComplete => _started.Task.IsCompleted;

    /// <summary>Completes when start-up loading has finished.</summary>
    public Task Started => _started.Task;

    /// <summary>Ready: start-up done, and (strict) every wanted model ready, or (lenient) at least one model ready.</summary>
    public bool IsReady
    {
        get
        {
            if (!StartupComplete)
            {
                return false;
            }

            bool any = false;
            foreach (var model in _models.Values)
            {
                bool ready = model.Current.Versions.Length > 0;
                any |= ready;
                if (_options.StrictReadiness && model.Wanted && !ready)
                {
                    return false;
                }
            }

            return _options.StrictReadiness || any;
        }
    }

    /// <summary>The names of the models the server knows.</summary>
    public IEnumerable<string> ModelNames => _models.Keys.Order(StringComparer.Ordinal);

    /// <summary>Whether the server knows <paramref name="name"/> (for metrics tags: unknown names are not recorded as such).</summary>
    public bool Knows(string? name) => name is not null && _models.ContainsKey(name);

    /// <summary>
    /// The served model's own name string for <paramref name="name"/> (one instance per model, so that metric tags compare by
    /// reference on the hot path), or <see langword="null"/> when no such model is known.
    /// </summary>
    public string? CanonicalName(string? name) => name is not null && _models.TryGetValue(name, out var model) ? model.Name : null;

    /// <summary>Registers and loads the models to serve at start-up.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.ServeRegisteredModels)
            {
                foreach (string name in _registry.Catalog.ModelNames)
                {
                    if (!Server.ModelNames.IsValidName(name))
                    {
                        ServerLog.InvalidModelFolder(_logger, name);
                        continue;
                    }

                    _models.TryAdd(name, new ServedModel(name, ModelSource.Registered) { Wanted = true });
                }
            }

            if (Repository is { } repository)
            {
                var (names, invalid) = repository.ListModels();
                foreach (var folder in invalid)
                {
                    ServerLog.InvalidModelFolder(_logger, folder);
                }

                foreach (var name in names)
                {
                    if (!_models.TryAdd(name, new ServedModel(name, ModelSource.Repository) { Wanted = _options.LoadRepositoryModelsAtStartup }))
                    {
                        ServerLog.DuplicateModel(_logger, name);
                    }
                }
            }

            foreach (var model in _models.Values.Where(static m => m.Wanted).OrderBy(static m => m.Name, StringComparer.Ordinal).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await LoadAsync(model.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Logged and recorded on the model; strict readiness keeps the server not ready.
                }
            }
        }
        finally
        {
            _started.TrySetResult();
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var ready = _models.Values.Where(static m => m.Current.Versions.Length > 0).Select(static m => m.Name).ToList();
                string names = string.Join(", ", ready);
                ServerLog.ServerReady(_logger, ready.Count, names);
            }
        }
    }

    /// <summary>
    /// Acquires the version a request runs on (the latest loaded when <paramref name="version"/> is empty). Release it with
    /// <see cref="Reloading.RetirableResource.Release"/>. Throws <see cref="ModelNotFoundException"/> or <see cref="ModelUnavailableException"/>.
    /// </summary>
    public ServedModelVersion Acquire(string? name, string? version)
    {
        var model = Find(name);
        long? number = null;
        if (!string.IsNullOrEmpty(version))
        {
            if (!Server.ModelNames.TryParseVersion(version, out long parsed))
            {
                throw new ModelNotFoundException($"Model versions are numeric; '{Truncate(version)}' is not a version of model '{model.Name}'.");
            }

            number = parsed;
        }

        while (true)
        {
            var set = model.Current;
            if (set.Versions.Length == 0)
            {
                throw new ModelUnavailableException($"Model '{model.Name}' is not ready ({model.State}: {model.Reason}).");
            }

            var served = number is { } n
                ? set.Find(n) ?? throw new ModelNotFoundException($"Model '{model.Name}' has no version {n} loaded (loaded: {set.VersionList}).")
                : set.Latest!;
            if (served.TryAcquire())
            {
                return served;
            }

            // Retired between the read and the acquire: the next read sees the new set.
            Thread.Yield();
        }
    }

    /// <summary>Every loaded version of every model, now.</summary>
    public IEnumerable<ServedModelVersion> LoadedVersions => _models.Values.SelectMany(static m => m.Current.Versions);

    /// <summary>The loaded versions of a model (empty when not loaded); throws <see cref="ModelNotFoundException"/> for unknown names.</summary>
    public VersionSet GetVersions(string? name) => Find(name).Current;

    /// <summary>Loads (or reloads) a model: new versions are built and warmed beside the current ones, then swapped in.</summary>
    public async Task LoadAsync(string? name, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var model = Find(name);
        await model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            model.Wanted = true;
            bool hadVersions = model.Current.Versions.Length > 0;
            if (!hadVersions)
            {
                model.State = ModelStates.Loading;
                model.Reason = "loading";
            }

            long start = Stopwatch.GetTimestamp();
            ServedModelVersion[] versions;
            try
            {
                versions = await Task.Run(() => Build(model), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                string reason = ex is ModelKitException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                ServerLog.ModelLoadFailed(_logger, ex, model.Name, reason);
                _metrics.ModelLoad(model.Name, "failed");
                if (!hadVersions)
                {
                    model.State = ModelStates.Unavailable;
                    model.Reason = reason;
                }
                else
                {
                    model.Reason = $"reload failed, previous versions keep serving: {reason}";
                }

                throw ex as ModelKitException ?? new ModelLoadException(model.Name, reason, ex);
            }

            var previous = model.Current;
            model.Current = new VersionSet(versions);
            model.State = ModelStates.Ready;
            model.Reason = string.Empty;
            foreach (var old in previous.Versions)
            {
                old.Retire();
            }

            _metrics.ModelLoad(model.Name, "loaded");
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            foreach (var v in versions)
            {
                ServerLog.ModelReady(_logger, model.Name, v.VersionText, v.Backend.Description, elapsed);
            }
        }
        finally
        {
            model.Gate.Release();
        }
    }

    /// <summary>Stops serving a model; requests in flight finish on the versions they hold.</summary>
    public async Task UnloadAsync(string? name, CancellationToken cancellationToken)
    {
        var model = Find(name);
        await model.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            model.Wanted = false;
            var previous = model.Current;
            model.Current = VersionSet.Empty;
            model.State = ModelStates.Unavailable;
            model.Reason = "unloaded";
            int inFlight = previous.Versions.Count(static v => v.InFlight > 0);
            foreach (var old in previous.Versions)
            {
                old.Retire();
            }

            _metrics.ModelLoad(model.Name, "unloaded");
            ServerLog.ModelUnloaded(_logger, model.Name, inFlight);
        }
        finally
        {
            model.Gate.Release();
        }
    }

    /// <summary>The repository index: every known model, with one entry per loaded version.</summary>
    public List<RepositoryIndexEntry> Index(bool readyOnly)
    {
        var entries = new List<RepositoryIndexEntry>();
        foreach (var model in _models.Values.OrderBy(static m => m.Name, StringComparer.Ordinal))
        {
            var set = model.Current;
            if (set.Versions.Length > 0)
            {
                foreach (var v in set.Versions)
                {
                    entries.Add(new RepositoryIndexEntry { Name = model.Name, Version = v.VersionText, State = ModelStates.Ready, Reason = model.Reason });
                }
            }
            else if (!readyOnly)
            {
                entries.Add(new RepositoryIndexEntry { Name = model.Name, State = model.State, Reason = model.Reason });
            }
        }

        return entries;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var model in _models.Values)
        {
            var previous = model.Current;
            model.Current = VersionSet.Empty;
            foreach (var v in previous.Versions)
            {
                v.Retire();
            }
        }
    }

    private ServedModel Find(string? name)
    {
        if (name is not null && Server.ModelNames.IsValidName(name))
        {
            if (_models.TryGetValue(name, out var model))
            {
                return model;
            }

            // A model folder added to the repository after start-up can be loaded explicitly.
            if (Repository is { } repository && repository.Contains(name))
            {
                return _models.GetOrAdd(name, static n => new ServedModel(n, ModelSource.Repository));
            }
        }

        var known = _models.Keys.Order(StringComparer.Ordinal).Take(20).ToList();
        throw new ModelNotFoundException(
            $"Model '{Truncate(name ?? string.Empty)}' is not served here. Models: {(known.Count == 0 ? "none" : string.Join(", ", known))}{(_models.Count > 20 ? ", …" : string.Empty)}.");
    }

    private ServedModelVersion[] Build(ServedModel model)
    {
        if (model.Source == ModelSource.Registered)
        {
            var options = _registry.GetOptions(model.Name);
            long version = Server.ModelNames.TryParseVersion(options.Version, out long v) ? v : 1;
            var backend = _registry.GetBackend(model.Name);
            if (model.Current.Versions.Length > 0 && backend is Reloading.ReloadingBackend reloading)
            {
                reloading.Reload();
            }

            var served = new ServedModelVersion(model.Name, version, backend, ownsBackend: false, options.IsLocal ? ProtocolNames.OnnxPlatform : "modelkit_remote")
            {
                Options = options,
                Labels = options.Path is { } modelPath ? Classification.LoadLabels(modelPath) : null,
            };
            WarmUp(served, options.WarmupRuns > 0 ? 0 : _options.WarmupRuns);
            return [served];
        }

        var repository = Repository ?? throw new ModelNotFoundException($"Model '{model.Name}' has no repository.");
        var config = repository.ReadConfig(model.Name);
        var selected = ModelRepository.Select(model.Name, config, repository.ListVersions(model.Name, pipeline: config.Processing is not null));
        var built = new List<ServedModelVersion>(selected.Count);
        try
        {
            foreach (var (version, path) in selected)
            {
                var options = new ModelOptions();
                if (config.Options is { } section)
                {
                    section.Bind(options); // a plain call, so the configuration binding generator intercepts it (no reflection)
                }

                int warmups = config.Options?["WarmupRuns"] is null ? _options.WarmupRuns : options.WarmupRuns;
                options.Path = path;
                options.Processing = config.Processing;
                options.Endpoint = null;
                options.WarmupRuns = 0;
                options.ReloadOnChange = false;
                // Through the registered backend providers, as ModelKit's registered models: any backend a provider serves
                // (ONNX Runtime today) is served, batched and reloaded the same way.
                var backend = _registry.CreateBackend(model.Name, options);

                ServedModelVersion served;
                try
                {
                    if (config.SequenceBatching is not null && config.Processing is not null)
                    {
                        throw new ModelLoadException(model.Name, "config.json sets both processing (a pipeline) and sequence_batching; sequences are served for plain ONNX models.");
                    }

                    if (config.SequenceBatching is not null && options.Batching is not null)
                    {
                        throw new ModelLoadException(model.Name,
                            "config.json sets both options.Batching (dynamic batching of independent requests) and sequence_batching; a stateful model batches its sequences with sequence_batching.max_batch_size alone.");
                    }

                    string platform = config.Processing?.Kind is { } kind ? "modelkit_" + kind.Replace('-', '_') : ProtocolNames.OnnxPlatform;
                    served = new ServedModelVersion(model.Name, version, backend, ownsBackend: true, platform, config.SequenceBatching, _metrics)
                    {
                        Options = options,
                        RepositoryConfig = config,
                        Labels = Classification.LoadLabels(path),
                    };
                }
                catch
                {
                    backend.Dispose();
                    throw;
                }

                built.Add(served);
                WarmUp(served, warmups);
            }

            return built.ToArray();
        }
        catch
        {
            foreach (var served in built)
            {
                served.Retire();
            }

            throw;
        }
    }

    private void WarmUp(ServedModelVersion served, int runs)
    {
        try
        {
            int done = served.WarmUp(runs);
            if (done > 0)
            {
                ServerLog.WarmedUp(_logger, served.Name, done, served.RepositoryConfig?.Warmup is null ? "zero inputs" : "model_warmup");
            }
        }
        catch (Exception ex) when (ex is ModelKitException or InvalidOperationException or ArgumentException)
        {
            ServerLog.WarmupFailed(_logger, served.Name, ex.Message);
        }
    }

    private static string Truncate(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
