using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelKit.Samples.Blazor.Tests.Infrastructure;

/// <summary>A separate ModelKit server (real Kestrel on a loopback port) serving the digit models, for the app's Remote switch.</summary>
public sealed class RemoteModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private RemoteModelServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The server's base address.</summary>
    public string Url { get; }

    public static async Task<RemoteModelServer> StartAsync(string mlpPath, string? cnnPath)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddModelKit(kit =>
        {
            kit.AddModel("mnist-mlp", o => o.Path = mlpPath);
            if (cnnPath is not null)
            {
                kit.AddModel("mnist", o => o.Path = cnnPath);
            }
        });
        builder.Services.AddModelKitServer();
        var app = builder.Build();
        app.MapModelKit();
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RemoteModelServer(app, url);
    }

    /// <summary>Stops listening (the app's remote calls then fail).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
