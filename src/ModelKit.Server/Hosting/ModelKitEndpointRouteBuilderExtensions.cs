using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelKit.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ModelKit server's endpoints.</summary>
public static class ModelKitEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the Open Inference Protocol: <c>GET /v2/health/live</c>, <c>GET /v2/health/ready</c>, <c>GET /v2</c>,
    /// <c>GET /v2/models/{name}[/versions/{version}]</c>, <c>GET …/ready</c>, <c>POST …/infer</c>, <c>POST /v2/repository/index</c>,
    /// <c>POST /v2/repository/models/{name}/load|unload</c>, <c>GET /metrics</c>, and the gRPC service
    /// <c>inference.GRPCInferenceService</c> (served on HTTP/2 endpoints).
    /// </summary>
    public static IEndpointConventionBuilder MapModelKit(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var api = services.GetRequiredService<RestEndpoints>();
        var options = services.GetRequiredService<IOptions<ModelKitServerOptions>>().Value;
        bool openHealth = options.AllowAnonymousHealth;
        var group = endpoints.MapGroup(string.Empty);

        group.MapGet("/v2/health/live", api.Secure(api.Live, openHealth));
        group.MapGet("/v2/health/ready", api.Secure(api.Ready, openHealth));
        group.MapGet("/v2", api.Secure(api.ServerMetadata, anonymous: false));
        group.MapGet("/v2/models/{name}", api.Secure(api.ModelMetadata, anonymous: false));
        group.MapGet("/v2/models/{name}/versions/{version}", api.Secure(api.ModelMetadata, anonymous: false));
        group.MapGet("/v2/models/{name}/ready", api.Secure(api.ModelReady, openHealth));
        group.MapGet("/v2/models/{name}/versions/{version}/ready", api.Secure(api.ModelReady, openHealth));
        group.MapPost("/v2/models/{name}/infer", api.Secure(api.Infer, anonymous: false));
        group.MapPost("/v2/models/{name}/versions/{version}/infer", api.Secure(api.Infer, anonymous: false));
        group.MapPost("/v2/repository/index", api.Secure(api.RepositoryIndex, anonymous: false));
        group.MapPost("/v2/repository/models/{name}/load", api.Secure(api.Load, anonymous: false));
        group.MapPost("/v2/repository/models/{name}/unload", api.Secure(api.Unload, anonymous: false));
        group.Map("/v2/{**rest}", api.Secure(api.NotFound, anonymous: false));
        if (options.EnableMetricsEndpoint)
        {
            _ = services.GetRequiredService<PrometheusExporter>(); // listens from now on, not from the first scrape
            group.MapGet("/metrics", api.Secure(api.Metrics, options.AllowAnonymousMetrics));
        }

        endpoints.MapGrpcService<InferenceGrpcService>();
        return group;
    }
}
