using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelKit;
using ModelKit.Onnx;
using ModelKit.Server;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ModelKit server (Open Inference Protocol over REST and gRPC) to a service collection.</summary>
public static class ModelKitServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ModelKit server: it serves every model registered with ModelKit and, when
    /// <see cref="ModelKitServerOptions.RepositoryPath"/> is set, a Triton-layout model repository. Map the endpoints with
    /// <c>app.MapModelKit()</c>.
    /// </summary>
    public static IServiceCollection AddModelKitServer(this IServiceCollection services, Action<ModelKitServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ModelKitServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    /// <summary>Adds the ModelKit server with options bound from <paramref name="configuration"/> (e.g. the <c>ModelKit:Server</c> section).</summary>
    public static IServiceCollection AddModelKitServer(this IServiceCollection services, IConfiguration configuration, Action<ModelKitServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<ModelKitServerOptions>().Bind(configuration);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddModelKit().AddOnnxRuntime();
        services.AddOptions<ModelKitServerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelKitServerOptions>, ModelKitServerOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<ModelManager>();
        services.TryAddSingleton(static sp => new ModelServer(
            sp.GetRequiredService<ModelManager>(), sp.GetRequiredService<ServerMetrics>(), sp.GetRequiredService<IOptions<ModelKitServerOptions>>()));
        services.TryAddSingleton<RestEndpoints>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ListenAddressGuard>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ModelLoaderService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, ServerDrainService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServerDrainParticipant, SequenceDrainParticipant>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Microsoft.Extensions.Hosting.HostOptions>, DrainShutdownTimeoutSetup>());
        services.AddHealthChecks()
            .AddCheck<ModelKitLiveHealthCheck>("modelkit-live", tags: [ModelKitHealthTags.Live])
            .AddCheck<ModelKitReadyHealthCheck>("modelkit-ready", tags: [ModelKitHealthTags.Ready]);
        services.AddAuthentication().AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ModelKitAuthentication.Scheme, static _ => { });
        services.AddAuthorization(static authorization => authorization.AddPolicy(ModelKitAuthentication.Policy, ApiKeyAuthenticationHandler.CreatePolicy()));
        services.AddGrpc(static grpc => grpc.EnableDetailedErrors = false);
        services.AddSingleton<IConfigureOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>, GrpcLimitsSetup>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Grpc.AspNetCore.Server.Model.IServiceMethodProvider<InferenceGrpcService>, InferenceServiceMethodProvider>());
        return services;
    }

    /// <summary>
    /// Raises gRPC's 4 MiB message limits to the server's body size limit, and replaces gRPC's gzip with one whose decompression
    /// stops at that limit (a compressed message that inflates past it is RESOURCE_EXHAUSTED, never an allocation).
    /// </summary>
    private sealed class GrpcLimitsSetup(IOptions<ModelKitServerOptions> options) : IConfigureOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>
    {
        public void Configure(Grpc.AspNetCore.Server.GrpcServiceOptions grpc)
        {
            int limit = (int)Math.Min(int.MaxValue, options.Value.MaxRequestBodySize);
            grpc.MaxReceiveMessageSize = limit;
            grpc.MaxSendMessageSize = null;
            grpc.CompressionProviders = [new BoundedGzipCompressionProvider(limit)];
        }
    }
}
