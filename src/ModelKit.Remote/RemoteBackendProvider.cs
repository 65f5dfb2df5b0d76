using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;

namespace ModelKit.Remote;

/// <summary>
/// Serves models whose options set an <see cref="ModelOptions.Endpoint"/>: the calls go to an Open Inference Protocol server
/// (ModelKit.Server, Triton, KServe, MLServer…) over <c>rest-binary</c> (default), <c>rest-json</c> or <c>grpc</c>.
/// Generated contracts register it by themselves when their assembly references ModelKit.Remote.
/// </summary>
/// <remarks>
/// <para>REST goes through the <see cref="IHttpClientFactory"/> client <see cref="HttpClientName"/> with
/// <c>AddStandardResilienceHandler</c>, one pipeline per endpoint authority (so one broken server does not open the circuit of
/// another):</para>
/// <list type="bullet">
/// <item>attempt timeout = <see cref="ModelOptions.Timeout"/> of the model making the request; total timeout = 3 attempts + 2 s;</item>
/// <item>retries (2, exponential backoff from 100 ms with jitter, or the server's <c>Retry-After</c> cut to <see cref="RemoteClientOptions.MaxRetryAfter"/>): <c>GET</c> (metadata) on every transient failure; <c>POST …/infer</c> only
/// when the model certainly did not run: the connection could not be made (refused, name not resolved) or the server answered
/// 503 (queue full, model not ready). A 500, a timeout or a connection dropped mid-request is not retried: the server may have
/// run the model, and retrying a slow request under load only multiplies the load;</item>
/// <item>circuit breaker per endpoint: opens when at least half of ≥ 10 attempts in 60 s fail, for 5 s;</item>
/// <item>at most 10,000 requests in flight per endpoint from this process (the standard limiter's 1,000 raised).</item>
/// </list>
/// <para>gRPC goes through the client <see cref="GrpcHttpClientName"/> (its primary handler only: Polly's HTTP retries do not
/// understand gRPC status trailers), with gRPC's own retry policy (status <c>Unavailable</c>, the same "did not run" rule), a
/// deadline of <see cref="ModelOptions.Timeout"/>, raised message limits and a Polly circuit breaker per backend.</para>
/// </remarks>
public sealed class RemoteBackendProvider : IInferenceBackendProvider
{
    /// <summary>The named HTTP client of REST calls.</summary>
    public const string HttpClientName = "ModelKit.Remote";

    /// <summary>The named HTTP client under gRPC channels.</summary>
    public const string GrpcHttpClientName = "ModelKit.Remote.Grpc";

    internal static readonly HttpRequestOptionsKey<TimeSpan> TimeoutKey = new("ModelKit.Remote.Timeout");

    /// <inheritdoc/>
    public string Name => "remote";

    /// <inheritdoc/>
    public bool CanCreate(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.IsRemote;
    }

    /// <inheritdoc/>
    public IInferenceBackend Create(string modelName, ModelOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var factory = services.GetService<IHttpClientFactory>()
            ?? throw new ModelLoadException(modelName, "no IHttpClientFactory is registered; register the remote backend with RemoteBackendProvider.Register (or kit.AddRemote()).");
        var fallbackProviders = services.GetServices<IInferenceBackendProvider>().Where(static p => p is not RemoteBackendProvider).ToArray();
        return RemoteBackend.Create(modelName, options, factory, fallbackProviders, services, loggerFactory.CreateLogger("ModelKit.Remote"));
    }

    /// <summary>
    /// Registers the provider and its HTTP clients (idempotent). Generated contracts call this when their assembly references
    /// ModelKit.Remote; call <c>kit.AddRemote()</c> otherwise.
    /// </summary>
    public static void Register(ModelKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddBackendProvider<RemoteBackendProvider>();
        var services = builder.Services;
        if (services.Any(static d => d.ServiceType == typeof(RemoteRegistrationMarker)))
        {
            return;
        }

        services.TryAddSingleton<RemoteRegistrationMarker>();
        services.AddOptions<RemoteClientOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RemoteClientOptions>, RemoteClientOptionsValidator>());
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static services => NewHandler(services, grpc: false))
            .ConfigureHttpClient(static client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .AddStandardResilienceHandler()
            .Configure(static (options, services) => ConfigureResilience(options, services.GetRequiredService<IOptions<RemoteClientOptions>>().Value))
            .SelectPipelineByAuthority();
        services.AddHttpClient(GrpcHttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static services => NewHandler(services, grpc: true))
            .ConfigureHttpClient(static client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan); // gRPC deadlines own timeouts
    }

    private static SocketsHttpHandler NewHandler(IServiceProvider services, bool grpc)
    {
        var options = services.GetRequiredService<IOptions<RemoteClientOptions>>().Value;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        if (grpc)
        {
            handler.KeepAlivePingDelay = TimeSpan.FromSeconds(60);
            handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(30);
        }

        return handler;
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions options, RemoteClientOptions client)
    {
        TimeSpan maxRetryAfter = client.MaxRetryAfter;
        // Static values satisfy the options validator; the generators apply each model's own Timeout per request.
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
        options.AttemptTimeout.TimeoutGenerator = static args => ValueTask.FromResult(AttemptTimeout(args.Context));
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(92) + (2 * maxRetryAfter);
        options.TotalRequestTimeout.TimeoutGenerator = args => ValueTask.FromResult((AttemptTimeout(args.Context) * 3) + (2 * maxRetryAfter) + TimeSpan.FromSeconds(2));
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.ShouldRetryAfterHeader = false; // ours below: the same header, bounded by MaxRetryAfter
        options.Retry.DelayGenerator = args => ValueTask.FromResult(RetryAfterDelay(args.Outcome.Result, maxRetryAfter, DateTimeOffset.UtcNow));
        options.Retry.ShouldHandle = static args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context));
        // The standard pipeline's concurrency limiter would reject callers beyond 1000 in flight; ModelKit's callers are
        // bounded by the server's own queue (503 when full), so the client only guards against runaway concurrency.
        options.RateLimiter.DefaultRateLimiterOptions.PermitLimit = 10_000;
        options.RateLimiter.DefaultRateLimiterOptions.QueueLimit = 0;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
        options.CircuitBreaker.MinimumThroughput = 10;
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// The delay a <c>Retry-After</c> header asks for (delta seconds or an HTTP date), cut to <paramref name="max"/>; null
    /// (the exponential backoff) when there is no header or <paramref name="max"/> is zero.
    /// </summary>
    internal static TimeSpan? RetryAfterDelay(HttpResponseMessage? response, TimeSpan max, DateTimeOffset now)
    {
        if (max <= TimeSpan.Zero || response?.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        TimeSpan? asked = header.Delta ?? (header.Date is { } date ? date - now : null);
        if (asked is not { } delay)
        {
            return null;
        }

        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > max ? max : delay;
    }

    private static TimeSpan AttemptTimeout(ResilienceContext context) =>
        context.GetRequestMessage() is { } request && request.Options.TryGetValue(TimeoutKey, out var timeout) ? timeout : TimeSpan.FromSeconds(30);

    /// <summary>Whether a failed attempt is retried: see the class remarks.</summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (context.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        var request = context.GetRequestMessage();
        if (request is null || request.Method == HttpMethod.Get || request.Method == HttpMethod.Head)
        {
            return HttpClientResiliencePredicates.IsTransient(outcome);
        }

        // Inference: retried only when the model certainly did not run.
        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
        {
            return true;
        }

        return outcome.Result is { StatusCode: HttpStatusCode.ServiceUnavailable };
    }

    private sealed class RemoteRegistrationMarker;
}

/// <summary>Registration of the remote backend.</summary>
public static class RemoteModelKitBuilderExtensions
{
    /// <summary>Serves models with an <c>Endpoint</c> through a remote Open Inference Protocol server.</summary>
    public static ModelKitBuilder AddRemote(this ModelKitBuilder builder)
    {
        RemoteBackendProvider.Register(builder);
        return builder;
    }

    /// <summary>Serves remote models, with the HTTP clients' <see cref="RemoteClientOptions"/> (retry-after bound, connection pooling).</summary>
    public static ModelKitBuilder AddRemote(this ModelKitBuilder builder, Action<RemoteClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        RemoteBackendProvider.Register(builder);
        builder.Services.Configure(configure);
        return builder;
    }
}
