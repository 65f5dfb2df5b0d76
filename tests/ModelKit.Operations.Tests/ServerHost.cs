using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Server;

namespace ModelKit.Operations.Tests;

/// <summary>A real ModelKit server on Kestrel: REST on a loopback HTTP/1.1 port and gRPC on a loopback HTTP/2 port.</summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(WebApplication app, Uri rest, Uri grpc)
    {
        _app = app;
        RestAddress = rest;
        GrpcAddress = grpc;
    }

    public Uri RestAddress { get; }

    public Uri GrpcAddress { get; }

    public IServiceProvider Services => _app.Services;

    public string EndpointFor(string protocol) => (protocol == "grpc" ? GrpcAddress : RestAddress).ToString().TrimEnd('/');

    public static async Task<ServerHost> StartAsync(Action<ModelKitServerOptions>? configure = null, Action<ModelKitBuilder>? models = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        ListenOptions? rest = null;
        ListenOptions? grpc = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
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
            options.WarmupRuns = 0;
            configure?.Invoke(options);
        });
        if (models is not null)
        {
            models(builder.Services.AddModelKit());
        }

        var app = builder.Build();
        app.MapModelKit();
        await app.StartAsync();
        var host = new ServerHost(app, new Uri($"http://127.0.0.1:{rest!.IPEndPoint!.Port}"), new Uri($"http://127.0.0.1:{grpc!.IPEndPoint!.Port}"));
        await app.Services.GetRequiredService<ModelServer>().WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
