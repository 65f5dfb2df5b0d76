using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Onnx;
using ModelKit.Server;

namespace ModelKit.Remote.Tests;

/// <summary>
/// A real ModelKit server on Kestrel: REST on a loopback HTTP/1.1 port and gRPC on a loopback HTTP/2 port (both port 0).
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private ServerHost(WebApplication app, Uri rest, Uri grpc)
    {
        _app = app;
        RestAddress = rest;
        GrpcAddress = grpc;
    }

    public Uri RestAddress { get; }

    public Uri GrpcAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The endpoint a client of <paramref name="protocol"/> points at.</summary>
    public string EndpointFor(string protocol) => (protocol == "grpc" ? GrpcAddress : RestAddress).ToString().TrimEnd('/');

    public static async Task<ServerHost> StartAsync(Action<ModelKitServerOptions>? configure = null, Action<ModelKitBuilder>? models = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        ListenOptions? rest = null;
        ListenOptions? grpc = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                rest = o;
            });
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                grpc = o;
            });
        });
        builder.Services.AddModelKitServer(options =>
        {
            options.WarmupRuns = 1;
            configure?.Invoke(options);
        });
        if (models is not null)
        {
            models(builder.Services.AddModelKit());
        }

        var app = builder.Build();
        app.MapModelKit();
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var host = new ServerHost(app, new Uri($"http://127.0.0.1:{rest!.IPEndPoint!.Port}"), new Uri($"http://127.0.0.1:{grpc!.IPEndPoint!.Port}"));
        await app.Services.GetRequiredService<ModelServer>().StartupCompleted.WaitAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

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

/// <summary>A temporary model repository: <c>Add(name, version, bytes)</c> writes <c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c>.</summary>
internal sealed class TempRepository : IDisposable
{
    public TempRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "modelkit-remote-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public TempRepository Add(string name, long version, byte[] model)
    {
        string dir = Path.Combine(Root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model);
        return this;
    }

    public TempRepository AddFile(string name, long version, string modelPath)
    {
        string dir = Path.Combine(Root, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        File.Copy(modelPath, Path.Combine(dir, "model.onnx"), overwrite: true);
        return this;
    }

    public TempRepository Config(string name, string json)
    {
        Directory.CreateDirectory(Path.Combine(Root, name));
        File.WriteAllText(Path.Combine(Root, name, "config.json"), json);
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
