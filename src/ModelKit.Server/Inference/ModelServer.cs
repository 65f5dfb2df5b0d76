using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Options;
using ModelKit.Binding;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Server;

/// <summary>The result of one inference: the response and how long it queued and computed.</summary>
public readonly record struct InferenceResult(InferenceResponse Response, double QueueSeconds, double ComputeSeconds);

/// <summary>
/// The server's core, independent of the transport: health, metadata, repository control and inference over the models the
/// <see cref="ModelManager"/> serves. The REST endpoints and the gRPC service are thin adapters over it.
/// </summary>
public sealed class ModelServer : IDisposable
{
    private static readonly string ServerVersion =
        typeof(ModelServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly ModelManager _models;
    private readonly ServerMetrics _metrics;
    private readonly InferenceLimiter _limiter;
    private readonly ModelKitServerOptions _options;
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;
    private int _draining;

    internal ModelServer(ModelManager models, ServerMetrics metrics, IOptions<ModelKitServerOptions> options)
    {
        _models = models;
        _metrics = metrics;
        _options = options.Value;
        _limiter = new InferenceLimiter(_options.MaxConcurrentInferences, _options.MaxQueuedInferences);
        Limits = new ProtocolLimits { MaxElementsPerTensor = _options.MaxElementsPerTensor };
    }

    /// <summary>The limits applied to decoded messages.</summary>
    public ProtocolLimits Limits { get; }

    /// <summary>The options.</summary>
    public ModelKitServerOptions Options => _options;

    /// <summary>Whether the server is ready (start-up loading done and, with strict readiness, every wanted model loaded and warmed).</summary>
    public bool IsReady => _models.IsReady;

    /// <summary>Completes when start-up loading has finished (ready or not).</summary>
    public Task StartupCompleted => _models.Started;

    /// <summary>Waits until <see cref="IsReady"/>.</summary>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken = default)
    {
        await _models.Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (!IsReady)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the server is draining (shutting down): not ready, and new inference requests get 503 / <c>Unavailable</c>.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>Inference requests received and not yet answered.</summary>
    public int RequestsInProgress => Volatile.Read(ref _requests);

    /// <summary>Starts draining: from now on the server is not ready and refuses new inference requests.</summary>
    public void BeginDrain() => Interlocked.Exchange(ref _draining, 1);

    /// <summary>
    /// Drains: refuses new inference requests and waits until the ones in progress are answered, or <paramref name="timeout"/>.
    /// True when none is left.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        BeginDrain(); // a full fence: a request counted after this sees the flag, one counted before is awaited
        if (Volatile.Read(ref _requests) == 0)
        {
            return true;
        }

        try
        {
            await _idle.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Counts a request in (pair with <see cref="ExitRequest"/>); false while draining: the caller reads the request to its end,
    /// then refuses it with <see cref="Draining"/>, so the client gets a clean 503 rather than a reset, and the drain waits for that too.
    /// </summary>
    internal bool EnterRequest()
    {
        Interlocked.Increment(ref _requests);
        return Volatile.Read(ref _draining) == 0;
    }

    /// <summary>The error a request gets while the server drains.</summary>
    internal static ServerDrainingException Draining() =>
        new("The server is shutting down and takes no new inference requests; retry on another replica.");

    /// <summary>Counts a request out (answered, failed or canceled).</summary>
    internal void ExitRequest()
    {
        if (Interlocked.Decrement(ref _requests) == 0 && Volatile.Read(ref _draining) != 0)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>The names of the models the server knows.</summary>
    public IEnumerable<string> ModelNames => _models.ModelNames;

    internal ModelManager Models => _models;

    /// <summary>The model tag for metrics: the name when served, otherwise <c>unknown</c>.</summary>
    public string MetricsModelName(string? name) => _models.CanonicalName(name) ?? ServerMetrics.UnknownModel;

    /// <summary><c>GET /v2</c>.</summary>
    public ServerMetadataResponse GetServerMetadata() => new()
    {
        Name = _options.ServerName,
        Version = ServerVersion,
        Extensions = [ProtocolNames.BinaryTensorDataExtension, ProtocolNames.ModelRepositoryExtension, ModelConfigurations.Extension, Classification.Extension],
    };

    /// <summary>Model metadata; throws <see cref="ModelNotFoundException"/> / <see cref="ModelUnavailableException"/>.</summary>
    public ModelMetadataResponse GetModelMetadata(string? name, string? version)
    {
        var served = _models.Acquire(name, version);
        try
        {
            var versions = _models.GetVersions(name).Versions.Select(static v => v.VersionText);
            return ModelMetadataResponse.From(served.Name, versions, served.Platform, served.Signature);
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>
    /// Whether a model (version) is ready. Unknown names and versions are not ready (false), as Triton answers: a readiness probe
    /// asks a yes/no question.
    /// </summary>
    public bool IsModelReady(string? name, string? version)
    {
        try
        {
            _models.Acquire(name, version).Release();
            return true;
        }
        catch (Exception ex) when (ex is ModelUnavailableException or ModelNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks what a REST request's JSON declares (input names, datatypes, shapes, element counts) against the model before its
    /// tensor data is decoded. Throws <see cref="ModelNotFoundException"/>, <see cref="ModelUnavailableException"/> or
    /// <see cref="InferenceRequestException"/>. Returns the limits to decode the request with (see <see cref="LimitsFor(string?, string?)"/>).
    /// </summary>
    public ProtocolLimits CheckRestRequest(string? name, string? version, ReadOnlySpan<byte> json)
    {
        var served = _models.Acquire(name, version);
        try
        {
            RequestPreflight.CheckRest(served, json, Limits);
            return LimitsFor(served);
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>
    /// The limits to decode a request for a model (version) with: the server's <see cref="Limits"/>, plus the model's binary BYTES
    /// inputs (<see cref="TensorElementType.Binary"/>, e.g. an OCR pipeline's image) so their elements are kept as bytes. Unknown
    /// models get the server's limits (the inference then answers not found).
    /// </summary>
    public ProtocolLimits LimitsFor(string? name, string? version)
    {
        ServedModelVersion served;
        try
        {
            served = _models.Acquire(name, version);
        }
        catch (Exception ex) when (ex is ModelNotFoundException or ModelUnavailableException)
        {
            return Limits;
        }

        try
        {
            return LimitsFor(served);
        }
        finally
        {
            served.Release();
        }
    }

    private ProtocolLimits LimitsFor(ServedModelVersion served)
    {
        if (served.BinaryInputs is not { } binary)
        {
            return Limits;
        }

        return served.DecodeLimits ??= new ProtocolLimits
        {
            MaxElementsPerTensor = Limits.MaxElementsPerTensor,
            MaxTensors = Limits.MaxTensors,
            MaxRank = Limits.MaxRank,
            MaxJsonDepth = Limits.MaxJsonDepth,
            BinaryBytesTensors = binary,
        };
    }

    /// <summary>Triton's model configuration of a model (version); throws <see cref="ModelNotFoundException"/> / <see cref="ModelUnavailableException"/>.</summary>
    internal Triton.ModelConfig GetModelConfig(string? name, string? version)
    {
        var served = _models.Acquire(name, version);
        try
        {
            return ModelConfigurations.Build(served);
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>The repository index.</summary>
    public List<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly) => _models.Index(readyOnly);

    /// <summary>Loads or reloads a model (atomically; requests in flight finish on the old versions).</summary>
    public Task LoadModelAsync(string? name, CancellationToken cancellationToken = default) => _models.LoadAsync(name, cancellationToken);

    /// <summary>Unloads a model (requests in flight finish first).</summary>
    public Task UnloadModelAsync(string? name, CancellationToken cancellationToken = default) => _models.UnloadAsync(name, cancellationToken);

    /// <summary>
    /// Runs one inference: resolves and holds the model version, checks the inputs against the model's signature, waits for an
    /// inference slot, runs, and returns the requested outputs (binary or JSON per the request's parameters).
    /// </summary>
    public ValueTask<InferenceResult> InferAsync(string? name, string? version, InferenceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ServedModelVersion served;
        try
        {
            served = _models.Acquire(name, version);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<InferenceResult>(ex); // as before: failures come through the task
        }

        if (served.Sequences is { } sequences)
        {
            return InferSequenceAsync(served, sequences, request, cancellationToken); // releases the version itself
        }

        return InferAcquiredAsync(served, request, cancellationToken);
    }

    private async ValueTask<InferenceResult> InferAcquiredAsync(ServedModelVersion served, InferenceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var runner = served.Runner;
            var outputIndices = ResolveOutputs(served, request);
            var call = runner.Rent();
            double queueSeconds = 0;
            double computeSeconds;
            try
            {
                SetInputs(served, request, call);
                long queued = Stopwatch.GetTimestamp();
                var entered = _limiter.EnterAsync(cancellationToken);
                if (!entered.IsCompletedSuccessfully)
                {
                    _metrics.QueueChanged(1);
                    try
                    {
                        await entered.ConfigureAwait(false);
                    }
                    finally
                    {
                        _metrics.QueueChanged(-1);
                    }

                    queueSeconds = Stopwatch.GetElapsedTime(queued).TotalSeconds;
                    _metrics.Queued(served.Name, queueSeconds);
                    ServerActivitySource.Queued(queueSeconds);
                }

                long started = Stopwatch.GetTimestamp();
                try
                {
                    await runner.RunAsync(call, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _limiter.Exit();
                }

                computeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                _metrics.Computed(served.Name, computeSeconds);
                var response = new InferenceResponse { ModelName = served.Name, ModelVersion = served.VersionText, Id = request.Id };
                for (int i = 0; i < outputIndices.Length; i++)
                {
                    int index = outputIndices[i];
                    string outputName = served.Signature.Outputs[index].Name;
                    var value = call.Outputs[index];
                    int classes = request.Outputs is { Count: > 0 } requested ? Classification.RequestedCount(requested[i]) : 0;
                    if (classes > 0)
                    {
                        value = Classification.TopK(outputName, value, classes, served.MaxBatchSize > 0, served.Labels);
                    }

                    response.Outputs.Add(new InferTensor(outputName, value) { Binary = request.WantsBinaryOutput(outputName) });
                }

                return new InferenceResult(response, queueSeconds, computeSeconds);
            }
            finally
            {
                runner.Return(call);
            }
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>
    /// Acquires the latest version of <paramref name="name"/> when its backend is an embedding generator (a repository model with
    /// <c>text-embedding</c> processing); release it after the call. Null (and a null generator) otherwise.
    /// </summary>
    internal ServedModelVersion? AcquireEmbeddingGenerator(string name, out Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? generator)
    {
        generator = null;
        if (!_models.Knows(name))
        {
            // A repository folder added after start-up is found (and loaded on demand) only through the repository API.
            return null;
        }

        ServedModelVersion served;
        try
        {
            served = _models.Acquire(name, null);
        }
        catch (Exception ex) when (ex is ModelNotFoundException or ModelUnavailableException)
        {
            return null;
        }

        if (served.Backend is Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> found)
        {
            generator = found;
            return served;
        }

        served.Release();
        return null;
    }

    /// <summary>Runs <paramref name="work"/> in an inference slot (the limits of <see cref="InferAsync"/>: concurrency, then the queue).</summary>
    /// <exception cref="ServerBusyException">The queue is full.</exception>
    internal async Task<T> RunLimitedAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await _limiter.EnterAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _limiter.Exit();
        }
    }

    /// <summary>Releases the concurrency limiter; in-flight requests are not waited for (the drain service does that).</summary>
    public void Dispose() => _limiter.Dispose();

    /// <summary>
    /// One request of a sequence to a stateful model: the sequence parameters are read, the client's inputs checked, and the
    /// chunk queued on the model's sequence batcher, which runs it with the sequence's state (stacked with other sequences'
    /// chunks). A request with <c>sequence_end</c> and no inputs only ends the sequence (a ModelKit extension; no outputs).
    /// </summary>
    private async ValueTask<InferenceResult> InferSequenceAsync(ServedModelVersion served, SequenceBatcher sequences, InferenceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var sequence = SequenceRequest.Read(served.Name, request.Parameters);
            var outputIndices = ResolveOutputs(served, request);
            TensorValue[]? inputs = null;
            if (request.Inputs.Count > 0 || !sequence.End)
            {
                inputs = new TensorValue[served.Signature.Inputs.Count];
                SetInputs(served, request, new ArrayInputs(inputs));
            }

            long started = Stopwatch.GetTimestamp();
            var pending = sequences.Submit(sequence, inputs, cancellationToken);
            TensorValue[] outputs;
            try
            {
                outputs = await pending.Task.ConfigureAwait(false);
            }
            finally
            {
                pending.Dispose();
            }

            double computeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _metrics.Computed(served.Name, computeSeconds);
            var response = new InferenceResponse { ModelName = served.Name, ModelVersion = served.VersionText, Id = request.Id };
            if (inputs is null)
            {
                return new InferenceResult(response, 0, computeSeconds);
            }

            for (int i = 0; i < outputIndices.Length; i++)
            {
                int index = outputIndices[i];
                string outputName = served.Signature.Outputs[index].Name;
                response.Outputs.Add(new InferTensor(outputName, outputs[index]) { Binary = request.WantsBinaryOutput(outputName) });
            }

            return new InferenceResult(response, 0, computeSeconds);
        }
        finally
        {
            served.Release();
        }
    }

    private static int[] ResolveOutputs(ServedModelVersion served, InferenceRequest request)
    {
        var outputs = served.Signature.Outputs;
        if (request.Outputs is not { Count: > 0 } requested)
        {
            return served.AllOutputs;
        }

        var indices = new int[requested.Count];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = served.Signature.IndexOfOutput(requested[i].Name);
            if (index < 0)
            {
                throw new InferenceRequestException("unknown_output",
                    $"Model '{served.Name}' has no output '{requested[i].Name}'; its outputs are {Describe(outputs)}.");
            }

            indices[i] = index;
        }

        return indices.Length == 1 ? served.SingleOutputs[indices[0]] : indices;
    }

    private static void SetInputs(ServedModelVersion served, InferenceRequest request, InferenceCall call) =>
        SetInputs(served, request, new CallInputs(call));

    /// <summary>Where checked inputs go (a struct, so setting them allocates no delegate).</summary>
    private interface IInputTarget
    {
        void Set(int index, TensorValue value);
    }

    private readonly struct CallInputs(InferenceCall call) : IInputTarget
    {
        public void Set(int index, TensorValue value) => call.SetInput(index, value);
    }

    private readonly struct ArrayInputs(TensorValue[] inputs) : IInputTarget
    {
        public void Set(int index, TensorValue value) => inputs[index] = value;
    }

    private static void SetInputs<TTarget>(ServedModelVersion served, InferenceRequest request, TTarget target)
        where TTarget : struct, IInputTarget
    {
        var inputs = served.Signature.Inputs;
        foreach (var tensor in request.Inputs)
        {
            if (served.Signature.IndexOfInput(tensor.Name) < 0)
            {
                throw new InferenceRequestException("unknown_input",
                    $"Model '{served.Name}' has no input '{tensor.Name}'; its inputs are {Describe(inputs)}.");
            }
        }

        for (int i = 0; i < inputs.Count; i++)
        {
            var info = inputs[i];
            InferTensor? supplied = null;
            foreach (var tensor in request.Inputs)
            {
                if (string.Equals(tensor.Name, info.Name, StringComparison.Ordinal))
                {
                    supplied = tensor;
                    break;
                }
            }

            if (supplied is null)
            {
                throw new InferenceRequestException("missing_input",
                    $"Model '{served.Name}' needs input '{info.Name}' ({Describe(info)}), which the request does not supply.");
            }

            var value = supplied.Value;
            if (value.ElementType != info.ElementType)
            {
                throw new InferenceRequestException("datatype_mismatch", value.ElementType == TensorElementType.Binary && info.ElementType == TensorElementType.String
                    ? $"Input '{info.Name}' carries binary elements (\"content_type\": \"base64\") but model '{served.Name}' expects text (UTF-8 BYTES)."
                    : $"Input '{info.Name}' is {supplied.Datatype} but model '{served.Name}' expects {InferenceDataTypes.FromElementType(info.ElementType)}.");
            }

            if (!TensorShape.Matches(info.Shape, value.Shape))
            {
                throw new InferenceRequestException("shape_mismatch",
                    $"Input '{info.Name}' has shape {TensorShape.Format(value.Shape)} but model '{served.Name}' expects {TensorShape.Format(info.Shape)} (-1: any size).");
            }

            target.Set(i, value);
        }
    }

    internal static string Describe(TensorInfo info) => $"{InferenceDataTypes.FromElementType(info.ElementType)}{TensorShape.Format(info.Shape)}";

    internal static string Describe(IReadOnlyList<TensorInfo> tensors) =>
        string.Join(", ", tensors.Select(static t => $"'{t.Name}' {Describe(t)}"));
}
