using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace ModelKit.Server;

/// <summary>Health check tags that the protocol's health endpoints run: add your own checks with these tags to take part.</summary>
public static class ModelKitHealthTags
{
    /// <summary>Checks run by <c>GET /v2/health/live</c> and gRPC <c>ServerLive</c>.</summary>
    public const string Live = "modelkit-live";

    /// <summary>Checks run by <c>GET /v2/health/ready</c> and gRPC <c>ServerReady</c>.</summary>
    public const string Ready = "modelkit-ready";
}

/// <summary>Live while the host is not shutting down.</summary>
internal sealed class ModelKitLiveHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The server is shutting down.")
            : HealthCheckResult.Healthy());
}

/// <summary>Ready once start-up loading is done and (strict readiness) every model to serve is loaded and warmed up.</summary>
internal sealed class ModelKitReadyHealthCheck(ModelServer server) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (server.IsDraining)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the server is draining before it stops"));
        }

        if (server.IsReady)
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        string reason = !server.StartupCompleted.IsCompleted
            ? "models are loading"
            : "not every model is ready: " + string.Join("; ", server.GetRepositoryIndex(readyOnly: false)
                .Where(static e => e.State != ModelStates.Ready).Select(static e => $"{e.Name} {e.State} {e.Reason}"));
        return Task.FromResult(HealthCheckResult.Unhealthy(reason));
    }
}
