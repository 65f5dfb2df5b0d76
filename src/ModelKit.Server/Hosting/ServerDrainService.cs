using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModelKit.Server;

/// <summary>
/// Takes part in the server's graceful drain: called once the inference requests in progress are answered (or the drain timeout
/// passed), before the server stops listening. Stateful features (open sequences, streams) register one to end their sessions
/// cleanly: tell the clients, flush, release state. Register with <c>services.AddSingleton&lt;IServerDrainParticipant, …&gt;()</c>.
/// </summary>
public interface IServerDrainParticipant
{
    /// <summary>Ends what is still open. <paramref name="cancellationToken"/> is canceled when the host's shutdown timeout is near.</summary>
    ValueTask DrainAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Graceful drain on shutdown: when the host begins stopping (SIGTERM, Ctrl+C, <c>StopAsync</c>) the server turns not-ready and
/// answers new inference requests with 503 at once; it then waits up to <see cref="ModelKitServerOptions.DrainTimeout"/> for the
/// requests in progress, lets every <see cref="IServerDrainParticipant"/> end its sessions, and only then lets Kestrel close its
/// listeners (hosted services stop after every <see cref="IHostedLifecycleService.StoppingAsync"/> has returned).
/// </summary>
internal sealed class ServerDrainService(
    ModelServer server,
    IOptions<ModelKitServerOptions> options,
    IHostApplicationLifetime lifetime,
    IEnumerable<IServerDrainParticipant> participants,
    ILogger<ServerDrainService> logger) : IHostedLifecycleService
{
    private CancellationTokenRegistration _stopping;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // Not-ready at once: before any hosted service is asked to stop.
        _stopping = lifetime.ApplicationStopping.Register(static s => ((ModelServer)s!).BeginDrain(), server);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var timeout = options.Value.DrainTimeout;
        long start = Stopwatch.GetTimestamp();
        ServerLog.Draining(logger, server.RequestsInProgress, timeout.TotalSeconds);
        bool drained;
        try
        {
            drained = await server.DrainAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            drained = false;
        }

        if (!drained)
        {
            ServerLog.DrainTimedOut(logger, server.RequestsInProgress, timeout.TotalSeconds);
        }

        foreach (var participant in participants)
        {
            try
            {
                await participant.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                ServerLog.DrainParticipantFailed(logger, ex, participant.GetType().Name);
            }
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            double elapsedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            ServerLog.Drained(logger, elapsedMs);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Gives the host's shutdown time room for the drain (the host cancels <c>StoppingAsync</c> at its ShutdownTimeout).</summary>
internal sealed class DrainShutdownTimeoutSetup(IOptions<ModelKitServerOptions> options) : IPostConfigureOptions<HostOptions>
{
    public void PostConfigure(string? name, HostOptions host)
    {
        var needed = options.Value.DrainTimeout + TimeSpan.FromSeconds(10);
        if (host.ShutdownTimeout < needed)
        {
            host.ShutdownTimeout = needed;
        }
    }
}
