using Microsoft.Extensions.Options;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>
/// Makes sure the seeds' MLP exists: on first start it trains it in the background (the page shows the progress), exports it to
/// ONNX with the console sample's code, and asks this app's ModelKit server to load it.
/// </summary>
internal sealed partial class MlpTrainingService(
    DigitModelCatalog catalog,
    MlpTrainingState state,
    SelfAddress self,
    IHostApplicationLifetime lifetime,
    IHttpClientFactory httpClients,
    IOptions<ModelKit.Server.ModelKitServerOptions> serverOptions,
    ILogger<MlpTrainingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string path = catalog.Mlp.Path!;
        if (File.Exists(path))
        {
            state.MarkReady();
            return;
        }

        await Task.Yield();
        LogTraining(logger, path);
        var throttle = new ThrottledProgress(state.Report);
        try
        {
            await MlpModelCache.EnsureTrainedAsync(path, throttle, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogTrainingFailed(logger, ex);
            state.Fail($"Training the MLP failed: {ex.Message}");
            return;
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            double accuracy = MlpModelCache.ReadTestAccuracy(path) ?? double.NaN;
            LogTrained(logger, path, accuracy);
        }

        state.MarkReady();
        await LoadOnServerAsync(stoppingToken).ConfigureAwait(false);
    }

    // The server tried to load the model at start-up, before it existed: load it now through the repository API.
    private async Task LoadOnServerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForStartAsync(cancellationToken).ConfigureAwait(false);
            string? baseAddress = self.Get();
            if (baseAddress is null)
            {
                return;
            }

            using var client = httpClients.CreateClient(nameof(MlpTrainingService));
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseAddress}/v2/repository/models/{catalog.Mlp.ModelName}/load");
            if (serverOptions.Value.ApiKeys.FirstOrDefault() is { Length: > 0 } key)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }

            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogServerLoadFailed(logger, (int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            LogServerLoadFailed(logger, 0, ex.Message);
        }
    }

    private Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "No MLP at {Path}: training it now (first start only); the ModelKit server loads it once it is trained")]
    private static partial void LogTraining(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "MLP trained and exported to {Path} ({Accuracy:P2} on the held-out digits)")]
    private static partial void LogTrained(ILogger logger, string path, double accuracy);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Training the MLP failed")]
    private static partial void LogTrainingFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The ModelKit server could not load the freshly trained MLP ({Status}): {Reason}")]
    private static partial void LogServerLoadFailed(ILogger logger, int status, string reason);

    /// <summary>Forwards at most a few reports a second (the trainer reports every 10 mini-batches), and always the last one.</summary>
    private sealed class ThrottledProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        private long _last;

        public void Report(TrainingProgress value)
        {
            long now = Environment.TickCount64;
            if (now - _last >= 200 || value.FractionDone >= 1)
            {
                _last = now;
                report(value);
            }
        }
    }
}
