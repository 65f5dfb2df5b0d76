using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace ModelKit.Remote;

/// <summary>The remote backend's instruments (meter <c>ModelKit.Remote</c>).</summary>
public static class RemoteMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ModelKit.Remote";

    private static readonly Meter Meter = new(MeterName, typeof(RemoteMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Calls that ran on the local fallback model because the endpoint was unreachable or its circuit open; tagged by model and reason.</summary>
    public static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>("modelkit.remote.fallbacks", "{call}", "Remote calls that ran on the local fallback model.");

    /// <summary>Remote requests that failed, by model, protocol and reason (status code, <c>unreachable</c>, <c>timeout</c>…).</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>("modelkit.remote.failures", "{request}", "Remote inference requests that failed.");

    internal static void RecordFallback(string model, string reason)
    {
        if (Fallbacks.Enabled)
        {
            Fallbacks.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    internal static void RecordFailure(string model, string protocol, string reason)
    {
        if (Failures.Enabled)
        {
            Failures.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("protocol", protocol),
                new KeyValuePair<string, object?>("reason", reason));
        }
    }
}

internal static partial class RemoteLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Model '{Model}' bound to {Protocol} endpoint {Endpoint} as '{RemoteName}' (version {Version}): {Signature}")]
    public static partial void Connected(ILogger logger, string model, string protocol, string endpoint, string remoteName, string version, string signature);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Model '{Model}': endpoint {Endpoint} failed ({Reason}); running on the local fallback '{FallbackPath}'")]
    public static partial void FallingBack(ILogger logger, Exception exception, string model, string endpoint, string reason, string fallbackPath);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Model '{Model}': endpoint {Endpoint} answers again; calls go remote")]
    public static partial void Recovered(ILogger logger, string model, string endpoint);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Model '{Model}': fallback backend loaded from '{FallbackPath}' on {Backend}")]
    public static partial void FallbackLoaded(ILogger logger, string model, string fallbackPath, string backend);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Model '{Model}': remote request to {Endpoint} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, string model, string endpoint, string reason);
}
