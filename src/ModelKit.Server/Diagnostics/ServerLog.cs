using Microsoft.Extensions.Logging;

namespace ModelKit.Server;

/// <summary>The server's structured log messages.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Model '{Model}' version {Version} is ready ({Backend}) after {ElapsedMs:F1} ms")]
    public static partial void ModelReady(ILogger logger, string model, string version, string backend, double elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Model '{Model}' failed to load: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, Exception exception, string model, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Model '{Model}' unloaded; {InFlight} version(s) finish their calls in flight first")]
    public static partial void ModelUnloaded(ILogger logger, string model, int inFlight);

    [LoggerMessage(EventId = 1031, Level = LogLevel.Information, Message = "Model '{Model}' warmed up: {Runs} run(s) of {Source}")]
    public static partial void WarmedUp(ILogger logger, string model, int runs, string source);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Model '{Model}' warm-up failed ({Reason}); it serves anyway")]
    public static partial void WarmupFailed(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Repository folder '{Folder}' is not a valid model name and is skipped (use letters, digits, '_', '-', '.')")]
    public static partial void InvalidModelFolder(ILogger logger, string folder);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Repository model '{Model}' has the name of a registered model; the registered model is served")]
    public static partial void DuplicateModel(ILogger logger, string model);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "ModelKit server ready: {Count} model(s) ({Models})")]
    public static partial void ServerReady(ILogger logger, int count, string models);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Draining: not ready, refusing new inference requests; waiting up to {TimeoutSeconds} s for {InProgress} in progress")]
    public static partial void Draining(ILogger logger, int inProgress, double timeoutSeconds);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Drained in {ElapsedMs:F0} ms; the listeners close now")]
    public static partial void Drained(ILogger logger, double elapsedMs);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Drain timeout ({TimeoutSeconds} s) passed with {InProgress} request(s) still in progress")]
    public static partial void DrainTimedOut(ILogger logger, int inProgress, double timeoutSeconds);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Error, Message = "Drain participant {Participant} failed")]
    public static partial void DrainParticipantFailed(ILogger logger, Exception exception, string participant);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Error, Message = "Unexpected error serving {Protocol} request for model '{Model}'")]
    public static partial void UnexpectedError(ILogger logger, Exception exception, string protocol, string model);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug, Message = "Rejected {Protocol} request for model '{Model}': {Status} {Reason}: {Message}")]
    public static partial void RequestRejected(ILogger logger, string protocol, string model, int status, string reason, string message);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "Rejected request to {Path}: {Reason}")]
    public static partial void Unauthorized(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "ModelKit server listens on {Addresses} with authentication disabled explicitly: anyone who reaches it can run its models")]
    public static partial void AuthenticationDisabled(ILogger logger, string addresses);

    [LoggerMessage(EventId = 1030, Level = LogLevel.Information, Message = "Drain ended {Count} open sequence(s) of model '{Model}'")]
    public static partial void SequencesEnded(ILogger logger, string model, int count);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Critical, Message = "{Message}")]
    public static partial void RefusingToStart(ILogger logger, string message);
}
