using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Protocol.Grpc;
using ModelKit.Server;

namespace ModelKit.Testing;

/// <summary>
/// A real ModelKit server on Kestrel for tests: REST on a loopback HTTP/1.1 port and gRPC on a loopback HTTP/2 port (both
/// port 0, chosen by the OS), with a real <see cref="HttpClient"/> and <see cref="GrpcChannel"/> created on first use.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lazy<HttpClient> _http;
    private readonly Lazy<GrpcChannel> _channel;
    private readonly Lazy<GRPCInferenceService.GRPCInferenceServiceClient> _grpc;
    private int _disposed;

    private TestHost(WebApplication app, Uri rest, Uri grpc)
    {
        _app = app;
        RestAddress = rest;
        GrpcAddress = grpc;
        _http = new(() => new HttpClient { BaseAddress = rest, Timeout = TimeSpan.FromSeconds(60) });
        _channel = new(() => GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 }));
        _grpc = new(() => new GRPCInferenceService.GRPCInferenceServiceClient(_channel.Value));
    }

    /// <summary>The REST (HTTP/1.1) address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri RestAddress { get; }

    /// <summary>The gRPC (HTTP/2) address.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>An HTTP client whose base address is <see cref="RestAddress"/>.</summary>
    public HttpClient Http => _http.Value;

    /// <summary>A gRPC client of the Open Inference Protocol service at <see cref="GrpcAddress"/>.</summary>
    public GRPCInferenceService.GRPCInferenceServiceClient Grpc => _grpc.Value;

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The model server.</summary>
    public ModelServer Server => _app.Services.GetRequiredService<ModelServer>();

    /// <summary>The endpoint a ModelKit client of <paramref name="protocol"/> (<c>grpc</c>, <c>rest-json</c>, <c>rest-binary</c>) points at.</summary>
    public string EndpointFor(string protocol) => (protocol == "grpc" ? GrpcAddress : RestAddress).ToString().TrimEnd('/');

    /// <summary>
    /// Starts a server (one warm-up run per model unless <paramref name="configure"/> says otherwise) and, unless
    /// <paramref name="waitForStartup"/> is false, waits until its start-up loading finished (ready or not).
    /// </summary>
    public static async Task<TestHost> StartAsync(
        Action<ModelKitServerOptions>? configure = null,
        Action<ModelKitBuilder>? models = null,
        IPAddress? listen = null,
        bool waitForStartup = true,
        Action<IServiceCollection>? services = null,
        ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        // Kestrel's limit as `modelkit serve` sets it: the server's own limit.
        var configured = new ModelKitServerOptions();
        configure?.Invoke(configured);
        ListenOptions? rest = null;
        ListenOptions? grpc = null;
        var address = listen ?? IPAddress.Loopback;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = configured.MaxRequestBodySize;
            kestrel.Listen(address, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                rest = o;
            });
            kestrel.Listen(address, 0, o =>
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

        services?.Invoke(builder.Services);
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

        string host = address.Equals(IPAddress.Any) || address.Equals(IPAddress.Loopback) ? "127.0.0.1" : address.ToString();
        var started = new TestHost(app, new Uri($"http://{host}:{rest!.IPEndPoint!.Port}"), new Uri($"http://{host}:{grpc!.IPEndPoint!.Port}"));
        if (waitForStartup)
        {
            try
            {
                await started.Server.StartupCompleted.WaitAsync(TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            }
            catch
            {
                await started.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return started;
    }

    /// <summary>Stops the server and disposes the clients.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }

        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
