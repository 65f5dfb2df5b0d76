namespace ModelKit.Server;

/// <summary>How the ModelKit server runs. Bound from <c>ModelKit:Server</c> when configuration is given.</summary>
public sealed class ModelKitServerOptions
{
    /// <summary>
    /// A model repository folder in Triton's layout: <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>, numeric versions,
    /// optional <c>&lt;repo&gt;/&lt;model&gt;/config.json</c> (version policy and model options). Null: serve only registered models.
    /// </summary>
    public string? RepositoryPath { get; set; }

    /// <summary>Also serve every model registered with ModelKit (<c>AddModelKit(kit => kit.AddModel(...))</c>). Default true.</summary>
    public bool ServeRegisteredModels { get; set; } = true;

    /// <summary>Load every repository model at start-up (otherwise only on <c>POST /v2/repository/models/{name}/load</c>). Default true.</summary>
    public bool LoadRepositoryModelsAtStartup { get; set; } = true;

    /// <summary>
    /// API keys accepted in <c>Authorization: Bearer &lt;key&gt;</c> or <c>x-api-key: &lt;key&gt;</c>. Empty with
    /// <see cref="DisableAuthentication"/> false: the server refuses to start when it listens on a non-loopback address.
    /// </summary>
    public IList<string> ApiKeys { get; set; } = new List<string>();

    /// <summary>Serve without API keys even on non-loopback addresses (explicit opt-out).</summary>
    public bool DisableAuthentication { get; set; }

    /// <summary>Health endpoints (<c>/v2/health/*</c>, model ready, gRPC ServerLive/ServerReady/ModelReady) answer without a key. Default true, so probes need no secret.</summary>
    public bool AllowAnonymousHealth { get; set; } = true;

    /// <summary><c>/metrics</c> answers without a key. Default false.</summary>
    public bool AllowAnonymousMetrics { get; set; }

    /// <summary>Largest request body (REST) and message (gRPC) in bytes. Default 64 MiB.</summary>
    public long MaxRequestBodySize { get; set; } = 64L * 1024 * 1024;

    /// <summary>Most elements one request tensor may hold. Default 64 Mi.</summary>
    public long MaxElementsPerTensor { get; set; } = 64L * 1024 * 1024;

    /// <summary>Inferences running at once across all models; more wait in the queue. Default 256.</summary>
    public int MaxConcurrentInferences { get; set; } = 256;

    /// <summary>Inferences that may wait for a slot; more are rejected with 503. Default 1024.</summary>
    public int MaxQueuedInferences { get; set; } = 1024;

    /// <summary>Warm-up runs (zero inputs, dynamic dimensions as 1) for models whose configuration does not say. Default 1.</summary>
    public int WarmupRuns { get; set; } = 1;

    /// <summary>Ready only when every model that should be loaded is ready (Triton's strict readiness). Default true.</summary>
    public bool StrictReadiness { get; set; } = true;

    /// <summary>The server name in <c>GET /v2</c>.</summary>
    public string ServerName { get; set; } = "modelkit";

    /// <summary>
    /// On shutdown (SIGTERM, host stop) the server turns not-ready and refuses new inference requests with 503 at once, then waits
    /// this long for the requests in progress before it ends open sequences and stops listening. Default 30 s; keep it below
    /// Kubernetes' <c>terminationGracePeriodSeconds</c>.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Serve <c>/metrics</c> in Prometheus text format. Default true.</summary>
    public bool EnableMetricsEndpoint { get; set; } = true;
}
