namespace ModelKit.Server;

/// <summary>The model (or version) is not known to the server: 404, gRPC <c>NotFound</c>.</summary>
public sealed class ModelNotFoundException(string message) : ModelKitException(message);

/// <summary>The model is known but not ready (loading, unloaded, failed): 503, gRPC <c>Unavailable</c>.</summary>
public sealed class ModelUnavailableException(string message) : ModelKitException(message);

/// <summary>The server is at its inference limit and its queue is full: 503, gRPC <c>Unavailable</c>.</summary>
public sealed class ServerBusyException(string message) : ModelKitException(message);

/// <summary>A stateful model has as many sequences open as it may (<c>sequence_batching.max_sequences</c>): 503, gRPC <c>Unavailable</c>.</summary>
public sealed class SequenceLimitException(string message) : ModelKitException(message);

/// <summary>The server is draining before it stops: 503, gRPC <c>Unavailable</c>; another replica takes the request.</summary>
public sealed class ServerDrainingException(string message) : ModelKitException(message);

/// <summary>A request the protocol accepts but the model cannot take (wrong input names, datatypes, shapes): 400, gRPC <c>InvalidArgument</c>.</summary>
public sealed class InferenceRequestException(string reason, string message) : ModelKitException(message)
{
    /// <summary>A short snake_case reason for metrics.</summary>
    public string Reason { get; } = reason;
}
