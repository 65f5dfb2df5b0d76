namespace ModelKit;

/// <summary>
/// How one model runs. <see cref="Path"/> means in-process on ONNX Runtime; <see cref="Endpoint"/> means a remote
/// Open Inference Protocol server. Bound from <c>ModelKit:Models:{name}</c>.
/// </summary>
public sealed class ModelOptions
{
    /// <summary>Path to the <c>.onnx</c> file (local).</summary>
    public string? Path { get; set; }

    /// <summary>Base address of an Open Inference Protocol server (remote), e.g. <c>http://127.0.0.1:8000</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>
    /// Several base addresses of replicas serving the same model (remote): calls are spread over them by
    /// <see cref="LoadBalancing"/>, and an endpoint that is unreachable or answers 503 is skipped for a while. With
    /// <see cref="Endpoint"/> also set, it comes first. Behind a Kubernetes Service, one <see cref="Endpoint"/> is enough.
    /// </summary>
    public IList<string> Endpoints { get; set; } = new List<string>();

    /// <summary>How calls are spread over <see cref="Endpoints"/>: <c>round-robin</c> (default) or <c>least-outstanding</c>.</summary>
    public string LoadBalancing { get; set; } = "round-robin";

    /// <summary>Remote protocol: <c>rest-binary</c> (default), <c>rest-json</c> or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = "rest-binary";

    /// <summary>API key sent to the remote server.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Model version on the remote server (numeric); empty means the server's choice.</summary>
    public string? Version { get; set; }

    /// <summary>Name of the model on the remote server when it differs from the contract's model name.</summary>
    public string? RemoteName { get; set; }

    /// <summary>Timeout of one remote attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>ONNX Runtime intra-op threads (0 = ONNX Runtime's default).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>ONNX Runtime inter-op threads (0 = ONNX Runtime's default).</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Graph optimisation: <c>none</c>, <c>basic</c>, <c>extended</c> or <c>all</c> (default).</summary>
    public string GraphOptimizationLevel { get; set; } = "all";

    /// <summary>Execution providers tried in order, e.g. <c>["tensorrt", "cuda", "cpu"]</c>. Empty means CPU.</summary>
    public IList<string> ExecutionProviders { get; set; } = new List<string>();

    /// <summary>CUDA (and TensorRT) device id.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Folder where TensorRT caches its engines.</summary>
    public string? TensorRtCachePath { get; set; }

    /// <summary>Runs with zero-filled inputs before the model reports ready.</summary>
    public int WarmupRuns { get; set; }

    /// <summary>
    /// Watches <see cref="Path"/> and hot-swaps the model when the file changes: the new session is built and warmed beside
    /// the old one, calls in flight finish on the old one, and no call fails. Off by default.
    /// </summary>
    public bool ReloadOnChange { get; set; }

    /// <summary>Dynamic batching; off when null.</summary>
    public BatchingOptions? Batching { get; set; }

    /// <summary>
    /// For a remote model: a local model to run when the endpoint is unreachable or its circuit is open (logged and counted);
    /// off when null.
    /// </summary>
    public FallbackOptions? Fallback { get; set; }

    /// <summary>
    /// The processing hosted with the model (a pipeline: e.g. tokenization, the network and pooling served as one model taking
    /// text), or null for a plain model. Its <see cref="ProcessingOptions.Kind"/> chooses the backend provider (<c>text-embedding</c>:
    /// ModelKit.Text; <c>ocr</c>: ModelKit.Vision), and <see cref="Path"/> then names the folder holding the pipeline's files.
    /// A server reads it from the <c>processing</c> section of a repository model's <c>config.json</c>.
    /// </summary>
    public ProcessingOptions? Processing { get; set; }

    /// <summary>Whether the model runs locally.</summary>
    public bool IsLocal => !string.IsNullOrWhiteSpace(Path);

    /// <summary>
    /// New options that run the file at <paramref name="path"/> in-process with these options' runtime settings: threads, graph
    /// optimisation, execution providers, CUDA device, TensorRT cache, warm-up runs, <see cref="Timeout"/> and a copy of
    /// <see cref="Batching"/>. Nothing remote (endpoints, key, version, remote name), no processing, fallback or reload is carried.
    /// Used for a pipeline's networks and a remote model's local fallback.
    /// </summary>
    public ModelOptions CloneLocal(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ModelOptions
        {
            Path = path,
            Timeout = Timeout,
            IntraOpThreads = IntraOpThreads,
            InterOpThreads = InterOpThreads,
            GraphOptimizationLevel = GraphOptimizationLevel,
            ExecutionProviders = new List<string>(ExecutionProviders),
            CudaDeviceId = CudaDeviceId,
            TensorRtCachePath = TensorRtCachePath,
            WarmupRuns = WarmupRuns,
            Batching = Batching is { } batching
                ? new BatchingOptions
                {
                    MaxBatchSize = batching.MaxBatchSize,
                    MaxQueueDelay = batching.MaxQueueDelay,
                    PreferredBatchSizes = new List<int>(batching.PreferredBatchSizes),
                    MaxQueueSize = batching.MaxQueueSize,
                    ConcurrentBatches = batching.ConcurrentBatches,
                }
                : null,
        };
    }

    /// <summary>Whether the model runs remotely.</summary>
    public bool IsRemote => !string.IsNullOrWhiteSpace(Endpoint) || Endpoints is { Count: > 0 };
}

/// <summary>The processing a pipeline model runs around its networks (see <see cref="ModelOptions.Processing"/>).</summary>
public sealed class ProcessingOptions
{
    /// <summary>The pipeline kind, e.g. <c>text-embedding</c> or <c>ocr</c>; a backend provider serving that kind is chosen by it.</summary>
    public string? Kind { get; set; }

    /// <summary>The kind's settings (file names are relative to the model's folder), e.g. <c>vocabulary</c>, <c>max_tokens</c>.</summary>
    public IDictionary<string, string?> Settings { get; set; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether these options name <paramref name="kind"/> (case-insensitive).</summary>
    public bool Is(string kind) => string.Equals(Kind, kind, StringComparison.OrdinalIgnoreCase);

    /// <summary>The setting <paramref name="key"/>, or null.</summary>
    public string? Get(string key) => Settings.TryGetValue(key, out var value) ? value : null;
}

/// <summary>The local model a remote model falls back to when its endpoint cannot be reached.</summary>
public sealed class FallbackOptions
{
    /// <summary>Path to the <c>.onnx</c> file run locally (with the model's other local options) while the endpoint is down.</summary>
    public string? Path { get; set; }
}

/// <summary>Dynamic batching of concurrent single calls.</summary>
public sealed class BatchingOptions
{
    /// <summary>Most items in one run.</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Longest a call waits for others to join its batch.</summary>
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Batch sizes worth waiting for.</summary>
    public IList<int> PreferredBatchSizes { get; set; } = new List<int>();

    /// <summary>Calls that may wait; more are rejected at once.</summary>
    public int MaxQueueSize { get; set; } = 1024;

    /// <summary>
    /// Runs in flight at once (Triton's instance count; default 1). With more than one, the next batch is gathered and run
    /// while another runs. On CPU, give each run its share of the cores: e.g. 2 with <c>IntraOpThreads = 1</c> on 2 cores.
    /// </summary>
    public int ConcurrentBatches { get; set; } = 1;
}
