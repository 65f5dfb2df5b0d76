using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
/// <item>retries (2, exponential backoff from 100 ms, jitter): <c>GET</c> (metadata) on every transient failure; <c>POST …/infer</c> only
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

    public string Name => "remote";

    public bool CanCreate(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.IsRemote;
    }

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
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
            })
            .ConfigureHttpClient(static client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .AddStandardResilienceHandler(ConfigureResilience)
            .SelectPipelineByAuthority();
        services.AddHttpClient(GrpcHttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
                UseCookies = false,
            })
            .ConfigureHttpClient(static client => client.Timeout = System.Threading.Timeout.InfiniteTimeSpan); // gRPC deadlines own timeouts
    }

    private static void ConfigureResilience(HttpStandardResilienceOptions options)
    {
        // Static values satisfy the options validator; the generators apply each model's own Timeout per request.
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
        options.AttemptTimeout.TimeoutGenerator = static args => ValueTask.FromResult(AttemptTimeout(args.Context));
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(92);
        options.TotalRequestTimeout.TimeoutGenerator = static args => ValueTask.FromResult((AttemptTimeout(args.Context) * 3) + TimeSpan.FromSeconds(2));
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
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
}
