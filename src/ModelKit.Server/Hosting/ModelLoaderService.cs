using Microsoft.Extensions.Hosting;

namespace ModelKit.Server;

/// <summary>Loads and warms the models in the background at start-up, so the server is live at once and ready when they are.</summary>
internal sealed class ModelLoaderService(ModelManager models) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await models.StartAsync(stoppingToken).ConfigureAwait(false);
    }
}
