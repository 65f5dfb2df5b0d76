using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Onnx;

namespace ModelKit.Remote.Tests;

/// <summary>A client-side container: ModelKit configured from an in-memory <c>ModelKit</c> configuration section.</summary>
internal static class Clients
{
    /// <summary>
    /// A service provider whose models come from configuration (<c>ModelKit:Models:{name}:…</c> keys).
    /// </summary>
    public static ServiceProvider FromConfiguration(IDictionary<string, string?> settings, Action<ModelKitBuilder>? models = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        var kit = services.AddModelKit(configuration.GetSection("ModelKit"));
        // No backend is registered here: the generated AddModel<T> registers ModelKit.Onnx and ModelKit.Remote, both referenced.
        models?.Invoke(kit);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>A remote backend for <paramref name="model"/> through DI (the provider path an app takes).</summary>
    public static (ServiceProvider Services, IInferenceBackend Backend) Remote(string model, string endpoint, string protocol, Action<ModelOptions>? configure = null, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        services.AddModelKit(kit => kit.AddRemote().AddOnnxRuntime().AddModel(model, o =>
        {
            o.Endpoint = endpoint;
            o.Protocol = protocol;
            o.Timeout = TimeSpan.FromSeconds(30);
            configure?.Invoke(o);
        }));
        var provider = services.BuildServiceProvider();
        try
        {
            return (provider, provider.GetRequiredService<ModelRegistry>().GetBackend(model));
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public static readonly string[] Protocols = ["rest-binary", "rest-json", "grpc"];
}
