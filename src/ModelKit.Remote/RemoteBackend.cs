using Microsoft.Extensions.Logging;
using ModelKit.Binding;

namespace ModelKit.Remote;

/// <summary>
/// Runs one model on a remote Open Inference Protocol server. The signature comes from the server's model metadata at
/// creation, so contracts bind (and fail) exactly as they do against a local model.
/// </summary>
public sealed class RemoteBackend : IInferenceBackend, ISequenceBackend
{
    private readonly OperationRunnerSet _runners = new();
    private readonly ModelOptions _options;
    private readonly IReadOnlyList<IInferenceBackendProvider> _fallbackProviders;
    private readonly IServiceProvider? _services;
    private readonly Lock _fallbackLock = new();
    private IInferenceBackend? _fallback;
    private int _fallingBack;
    private int _disposed;

    private RemoteBackend(RemoteTransport transport, ModelOptions options, IReadOnlyList<IInferenceBackendProvider> fallbackProviders, IServiceProvider? services, ILogger logger)
    {
        Transport = transport;
        Target = transport.Target;
        _options = options;
        _fallbackProviders = fallbackProviders;
        _services = services;
        Logger = logger;
        Description = transport.Describe();
    }

    /// <inheritdoc/>
    public string ModelName => Target.ModelName;

    /// <inheritdoc/>
    public ModelSignature Signature { get; private set; } = null!;

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The server's base address (the first of <see cref="Endpoints"/>).</summary>
    public Uri Endpoint => Target.Endpoint;

    /// <summary>Every endpoint calls are spread over (one unless <see cref="ModelOptions.Endpoints"/> lists several).</summary>
    public IReadOnlyList<Uri> Endpoints => Transport is BalancedTransport balanced ? balanced.Endpoints : [Target.Endpoint];

    /// <summary>The wire protocol: <c>rest-binary</c>, <c>rest-json</c> or <c>grpc</c>.</summary>
    public string Protocol => Target.Protocol;

    /// <summary>Whether <see cref="Signature"/> came from the server (false when the server was down at creation and the fallback model supplied it).</summary>
    public bool SignatureFromServer { get; private set; }

    /// <summary>Whether a local fallback is configured.</summary>
    public bool HasFallback => !string.IsNullOrWhiteSpace(_options.Fallback?.Path);

    /// <summary>The local fallback backend, once it was needed; null before.</summary>
    public IInferenceBackend? FallbackBackend => Volatile.Read(ref _fallback);

    internal RemoteTarget Target { get; }

    internal RemoteTransport Transport { get; }

    internal ILogger Logger { get; }

    /// <summary>
    /// Connects to <see cref="ModelOptions.Endpoint"/> and reads the model's metadata. <paramref name="fallbackProviders"/> create
    /// the local backend of <see cref="ModelOptions.Fallback"/> when needed.
    /// </summary>
    public static RemoteBackend Create(string modelName, ModelOptions options, IHttpClientFactory httpClientFactory,
        IReadOnlyList<IInferenceBackendProvider>? fallbackProviders = null, IServiceProvider? services = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        logger ??= Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var targets = RemoteTarget.AllFrom(modelName, options);
        var target = targets[0];
        var members = targets.Select(t => t.Protocol == "grpc"
            ? (RemoteTransport)new GrpcTransport(t, httpClientFactory.CreateClient(RemoteBackendProvider.GrpcHttpClientName))
            : new RestTransport(t, httpClientFactory.CreateClient(RemoteBackendProvider.HttpClientName))).ToArray();
        RemoteTransport transport = members.Length == 1
            ? members[0]
            : new BalancedTransport(members, options.LoadBalancing == "least-outstanding" ? LoadBalancingMode.LeastOutstanding : LoadBalancingMode.RoundRobin);
        var backend = new RemoteBackend(transport, options, fallbackProviders ?? [], services, logger);
        try
        {
            try
            {
                backend.Signature = transport.GetSignatureAsync(CancellationToken.None).GetAwaiter().GetResult();
                backend.SignatureFromServer = true;
                if (logger.IsEnabled(LogLevel.Information))
                {
                    string signature = backend.Signature.ToString();
                    RemoteLog.Connected(logger, modelName, target.Protocol, target.EndpointText, target.RemoteName, target.Version ?? "(server's choice)", signature);
                }
            }
            catch (RemoteEndpointUnreachableException ex) when (backend.HasFallback)
            {
                backend.NoteFallback(ex);
                backend.Signature = backend.GetFallback().Signature;
            }
        }
        catch
        {
            backend.Dispose();
            throw;
        }

        return backend;
    }

    /// <summary>
    /// Starts a sequence of a stateful model (served with <c>sequence_batching</c>) with a new random numeric id. Its requests go
    /// to one endpoint for the sequence's whole life (with several <see cref="Endpoints"/>, one is picked now).
    /// </summary>
    public RemoteSequence StartSequence() => StartSequence(RemoteSequence.NewId());

    IModelSequence ISequenceBackend.StartSequence() => StartSequence();

    /// <summary>Starts a sequence with the numeric id <paramref name="id"/> (1 to 2^63 − 1; unique among the server's open sequences of the model).</summary>
    public RemoteSequence StartSequence(long id)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        return new RemoteSequence(this, PickTransport(), id, null);
    }

    /// <summary>Starts a sequence with the string id <paramref name="id"/> (1 to 256 characters).</summary>
    public RemoteSequence StartSequence(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id.Length, 256, nameof(id));
        return new RemoteSequence(this, PickTransport(), 0, id);
    }

    private RemoteTransport PickTransport()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Transport is BalancedTransport balanced ? balanced.PickForSequence() : Transport;
    }

    /// <inheritdoc/>
    public OperationRunner Bind(OperationDescriptor operation)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var bound = BoundOperation.Bind(operation, ModelName, WithBinaryInputs(Signature, operation));
        return _runners.Add(new RemoteOperationRunner(bound, this));
    }

    /// <summary>
    /// The signature as <paramref name="operation"/> may bind it: a BYTES input or output that the caller declares with binary
    /// elements (<see cref="TensorElementType.Binary"/>) is binary even where the server's metadata does not say so (Triton, KServe,
    /// older servers) — on the wire both are BYTES; only the encoding differs (raw bytes, or base64 text in JSON). The reverse (a
    /// binary tensor of the metadata, <c>content_type</c> <c>base64</c>, declared as strings) stays a mismatch: its elements need
    /// not be text.
    /// </summary>
    private static ModelSignature WithBinaryInputs(ModelSignature signature, OperationDescriptor operation)
    {
        var inputs = WithBinary(signature.Inputs, operation.Inputs);
        var outputs = WithBinary(signature.Outputs, operation.Outputs);
        return inputs is null && outputs is null ? signature : new ModelSignature(inputs ?? signature.Inputs, outputs ?? signature.Outputs);
    }

    private static List<TensorInfo>? WithBinary(IReadOnlyList<TensorInfo> tensors, IReadOnlyList<TensorDescriptor> declared)
    {
        List<TensorInfo>? result = null;
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            if (tensor.ElementType == TensorElementType.String
                && declared.Any(d => d.ElementType == TensorElementType.Binary && string.Equals(d.Name, tensor.Name, StringComparison.Ordinal)))
            {
                result ??= [.. tensors];
                result[i] = tensor with { ElementType = TensorElementType.Binary };
            }
        }

        return result;
    }

    /// <summary>Closes the transports (HTTP clients or gRPC channels) and the fallback backend, if any.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runners.DisposeAll();

        Transport.Dispose();
        lock (_fallbackLock)
        {
            _fallback?.Dispose();
            _fallback = null;
        }
    }

    /// <summary>The local fallback backend, created on first need through the other registered providers.</summary>
    internal IInferenceBackend GetFallback()
    {
        var existing = Volatile.Read(ref _fallback);
        if (existing is not null)
        {
            return existing;
        }

        lock (_fallbackLock)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (_fallback is not null)
            {
                return _fallback;
            }

            string path = _options.Fallback?.Path ?? throw new InvalidOperationException("No fallback is configured.");
            var local = _options.CloneLocal(path);
            local.Batching = null; // the registry already batches in front of this backend (fallback included)
            var provider = _fallbackProviders.FirstOrDefault(p => p.CanCreate(local))
                ?? throw new ModelLoadException(ModelName,
                    $"Fallback:Path '{path}' is set, but no local backend is registered to run it (reference ModelKit.Onnx; registered: {string.Join(", ", _fallbackProviders.Select(static p => p.Name).DefaultIfEmpty("none"))}).");
            var services = _services ?? EmptyServiceProvider.Instance;
            var backend = provider.Create(ModelName, local, services);
            RemoteLog.FallbackLoaded(Logger, ModelName, path, backend.Description);
            Volatile.Write(ref _fallback, backend);
            return backend;
        }
    }

    /// <summary>Counts a call that runs on the fallback; logs when calls start falling back.</summary>
    internal void NoteFallback(RemoteInferenceException reason)
    {
        string why = reason.Kind switch
        {
            RemoteFailureKind.CircuitOpen => "circuit_open",
            RemoteFailureKind.ConnectionLost => "connection_lost",
            RemoteFailureKind.Timeout => "timeout",
            RemoteFailureKind.Unavailable => "unavailable",
            _ => "unreachable",
        };
        RemoteMetrics.RecordFallback(ModelName, why);
        if (Interlocked.Exchange(ref _fallingBack, 1) == 0)
        {
            RemoteLog.FallingBack(Logger, reason, ModelName, Target.EndpointText, why, _options.Fallback?.Path ?? string.Empty);
        }
    }

    /// <summary>Logs when the endpoint answers again after calls fell back.</summary>
    internal void NoteRemoteSucceeded()
    {
        if (Volatile.Read(ref _fallingBack) != 0 && Interlocked.Exchange(ref _fallingBack, 0) != 0)
        {
            RemoteLog.Recovered(Logger, ModelName, Target.EndpointText);
        }
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
