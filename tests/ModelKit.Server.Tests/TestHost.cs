using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Protocol.Grpc;
using ModelKit.Server;

namespace ModelKit.Server.Tests;

/// <summary>
/// A real ModelKit server on Kestrel: REST on a loopback HTTP/1.1 port, gRPC on a loopback HTTP/2 port (both port 0), with
/// a real <see cref="HttpClient"/> and <see cref="GrpcChannel"/>.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private TestHost(WebApplication app, Uri rest, Uri grpc)
    {
        _app = app;
        RestAddress = rest;
        GrpcAddress = grpc;
        Http = new HttpClient { BaseAddress = rest, Timeout = TimeSpan.FromSeconds(60) };
        _channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024, MaxSendMessageSize = 64 * 1024 * 1024 });
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    public Uri RestAddress { get; }

    public Uri GrpcAddress { get; }

    public HttpClient Http { get; }

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; }

    public IServiceProvider Services => _app.Services;

    public ModelServer Server => _app.Services.GetRequiredService<ModelServer>();

    /// <summary>Starts a server and waits until its start-up loading finished (ready or not).</summary>
    public static async Task<TestHost> StartAsync(Action<ModelKitServerOptions>? configure = null, Action<ModelKitBuilder>? models = null, IPAddress? listen = null, bool waitForStartup = true, ILoggerProvider? logs = null)
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

        string host = address.Equals(IPAddress.Any) ? "127.0.0.1" : address.ToString();
        var host1 = new TestHost(app, new Uri($"http://{host}:{rest!.IPEndPoint!.Port}"), new Uri($"http://{host}:{grpc!.IPEndPoint!.Port}"));
        if (waitForStartup)
        {
            await host1.Server.StartupCompleted.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        return host1;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
