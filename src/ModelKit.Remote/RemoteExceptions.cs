using System.Net;

namespace ModelKit.Remote;

/// <summary>
/// A remote Open Inference Protocol server rejected or failed a call. Carries the HTTP status (REST) or gRPC status, and the
/// server's own error text; the message names the model and the endpoint.
/// </summary>
public class RemoteInferenceException : ModelExecutionException
{
    /// <summary>Creates the exception for <paramref name="model"/> at <paramref name="endpoint"/>, with the HTTP or gRPC status when the server answered and its own error text in <paramref name="serverError"/>.</summary>
    public RemoteInferenceException(string model, string endpoint, string message, HttpStatusCode? statusCode = null,
        global::Grpc.Core.StatusCode? grpcStatus = null, string? serverError = null, Exception? innerException = null)
        : base(model, $"{message} (endpoint {endpoint})", innerException)
    {
        Endpoint = endpoint;
        StatusCode = statusCode;
        GrpcStatus = grpcStatus;
        ServerError = serverError;
        Kind = this switch
        {
            RemoteServiceUnavailableException => RemoteFailureKind.Unavailable,
            RemoteEndpointUnreachableException { CircuitOpen: true } => RemoteFailureKind.CircuitOpen,
            RemoteEndpointUnreachableException => RemoteFailureKind.Unreachable,
            _ => RemoteFailureKind.Rejected,
        };
    }

    /// <summary>The server's base address.</summary>
    public string Endpoint { get; }

    /// <summary>The HTTP status the server answered (REST), or null (gRPC, or no answer at all).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The gRPC status the server answered (gRPC), or null.</summary>
    public global::Grpc.Core.StatusCode? GrpcStatus { get; }

    /// <summary>The server's error text (<c>{"error": "…"}</c> or the gRPC status detail), or null.</summary>
    public string? ServerError { get; }

    /// <summary>What went wrong, by whose doing: decides retries, fallback and the failure metric's reason.</summary>
    public RemoteFailureKind Kind { get; init; }

    /// <summary>
    /// Whether the failure is the endpoint's state rather than the request's content, so the same call may succeed elsewhere
    /// (another endpoint, the local fallback): unreachable, circuit open, connection lost, timed out, unavailable (503).
    /// </summary>
    public bool IsTransient => Kind is RemoteFailureKind.Unreachable or RemoteFailureKind.CircuitOpen or RemoteFailureKind.ConnectionLost
        or RemoteFailureKind.Timeout or RemoteFailureKind.Unavailable;
}

/// <summary>The kinds of <see cref="RemoteInferenceException"/>.</summary>
public enum RemoteFailureKind
{
    /// <summary>The server answered with an error (4xx, 500, a gRPC error status) or the answer did not fit the operation.</summary>
    Rejected,

    /// <summary>The connection could not be made (refused, name not resolved, TLS).</summary>
    Unreachable,

    /// <summary>The endpoint's circuit breaker is open after repeated failures; nothing was sent.</summary>
    CircuitOpen,

    /// <summary>The connection was reset or closed before the whole answer arrived.</summary>
    ConnectionLost,

    /// <summary>No (complete) answer within the model's <c>Timeout</c>: the server stalls.</summary>
    Timeout,

    /// <summary>503 / gRPC <c>Unavailable</c> after the retries: the server's queue is full or the model not ready.</summary>
    Unavailable,

    /// <summary>The answer arrived but could not be read as the protocol's message.</summary>
    BadResponse,
}

/// <summary>
/// The server answered 503 (gRPC <c>Unavailable</c>): its queue is full or the model is not ready. Nothing ran; retrying
/// later is safe. ModelKit already retried with backoff before raising it.
/// </summary>
public sealed class RemoteServiceUnavailableException(string model, string endpoint, string message, HttpStatusCode? statusCode,
    global::Grpc.Core.StatusCode? grpcStatus, string? serverError, Exception? innerException = null)
    : RemoteInferenceException(model, endpoint, message, statusCode, grpcStatus, serverError, innerException);

/// <summary>
/// The endpoint could not be reached (connection refused, name not resolved, TLS failure) or its circuit breaker is open
/// after repeated failures. With <c>Fallback:Path</c> configured, calls run locally instead of raising this.
/// </summary>
public sealed class RemoteEndpointUnreachableException(string model, string endpoint, string message, Exception? innerException = null)
    : RemoteInferenceException(model, endpoint, message, null, null, null, innerException)
{
    /// <summary>Whether the call was refused by the open circuit breaker without trying the network.</summary>
    public bool CircuitOpen => InnerException is Polly.CircuitBreaker.BrokenCircuitException;
}
