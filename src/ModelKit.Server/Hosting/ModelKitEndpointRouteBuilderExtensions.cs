using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
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
    /// <c>GET /v2/models/{name}[/versions/{version}]</c>, <c>GET …/ready</c>, <c>GET …/config</c> (Triton's model configuration),
    /// <c>POST …/infer</c>, <c>POST /v2/repository/index</c>, <c>POST /v2/repository/models/{name}/load|unload</c>,
    /// <c>GET /metrics</c>, and the gRPC service <c>inference.GRPCInferenceService</c> (served on HTTP/2 endpoints). Every endpoint
    /// requires the <see cref="ModelKitAuthentication.Policy"/> authorization policy (API keys), except health endpoints with
    /// <see cref="ModelKitServerOptions.AllowAnonymousHealth"/> and <c>/metrics</c> with <see cref="ModelKitServerOptions.AllowAnonymousMetrics"/>.
    /// REST answers are compressed when the client sends <c>Accept-Encoding: gzip</c> or <c>deflate</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapModelKit(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var api = services.GetRequiredService<RestEndpoints>();
        var options = services.GetRequiredService<IOptions<ModelKitServerOptions>>().Value;
        var compression = ModelKit.Server.ResponseCompression.CreateProvider(services);
        RequestDelegate Compressed(RequestDelegate handler) => new ResponseCompressionMiddleware(handler, compression).Invoke;

        var group = endpoints.MapGroup(string.Empty).RequireAuthorization(ModelKitAuthentication.Policy);
        var health = new List<IEndpointConventionBuilder>
        {
            group.MapGet("/v2/health/live", Compressed(api.Live)),
            group.MapGet("/v2/health/ready", Compressed(api.Ready)),
            group.MapGet("/v2/models/{name}/ready", Compressed(api.ModelReady)),
            group.MapGet("/v2/models/{name}/versions/{version}/ready", Compressed(api.ModelReady)),
        };
        group.MapGet("/v2", Compressed(api.ServerMetadata));
        group.MapGet("/v2/models/{name}", Compressed(api.ModelMetadata));
        group.MapGet("/v2/models/{name}/versions/{version}", Compressed(api.ModelMetadata));
        group.MapGet("/v2/models/{name}/config", Compressed(api.ModelConfig));
        group.MapGet("/v2/models/{name}/versions/{version}/config", Compressed(api.ModelConfig));
        group.MapPost("/v2/models/{name}/infer", Compressed(api.Infer));
        group.MapPost("/v2/models/{name}/versions/{version}/infer", Compressed(api.Infer));
        group.MapPost("/v2/repository/index", Compressed(api.RepositoryIndex));
        group.MapPost("/v2/repository/models/{name}/load", Compressed(api.Load));
        group.MapPost("/v2/repository/models/{name}/unload", Compressed(api.Unload));
        group.Map("/v2/{**rest}", RestEndpoints.NotFound);
        ModelKit.Server.OpenAI.OpenAIEmbeddingsEndpoint.MapOpenAIEmbeddings(group); // POST /v1/embeddings (same keys and limits)
        if (options.AllowAnonymousHealth)
        {
            foreach (var endpoint in health)
            {
                endpoint.AllowAnonymous();
            }
        }

        if (options.EnableMetricsEndpoint)
        {
            _ = services.GetRequiredService<PrometheusExporter>(); // listens from now on, not from the first scrape
            var metrics = group.MapGet("/metrics", Compressed(RestEndpoints.Metrics));
            if (options.AllowAnonymousMetrics)
            {
                metrics.AllowAnonymous();
            }
        }

        // gRPC: Kestrel counts the 5-byte message prefix as body, so its limit is the message limit plus that framing (a message
        // of exactly MaxRequestBodySize is accepted, as over REST); gRPC itself enforces the message limit.
        long grpcBodyLimit = options.MaxRequestBodySize + GrpcFraming;
        endpoints.MapGrpcService<InferenceGrpcService>()
            .RequireAuthorization(ModelKitAuthentication.Policy)
            .Add(endpoint =>
            {
                var inner = endpoint.RequestDelegate;
                if (inner is not null)
                {
                    endpoint.RequestDelegate = context =>
                    {
                        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size && size.MaxRequestBodySize is not null)
                        {
                            size.MaxRequestBodySize = grpcBodyLimit;
                        }

                        return inner(context);
                    };
                }
            });
        return group;
    }

    /// <summary>The gRPC length-prefixed message framing: 1 byte compressed flag, 4 bytes length.</summary>
    internal const int GrpcFraming = 5;
}
