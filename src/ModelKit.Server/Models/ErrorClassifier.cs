using GrpcStatusCode = Grpc.Core.StatusCode;

namespace ModelKit.Server;

/// <summary>How an error is answered: HTTP status, gRPC status, metrics reason, message.</summary>
internal readonly record struct ErrorInfo(int HttpStatus, GrpcStatusCode GrpcStatus, string Outcome, string Reason, string Message, bool CloseConnection = false)
{
    public bool IsServerFault => HttpStatus >= 500 && HttpStatus != 503;
}

/// <summary>Maps exceptions to answers. Anything a client sent maps to 4xx; only the server's own faults map to 500.</summary>
internal static class ErrorClassifier
{
    /// <summary>
    /// The longest message an error answer carries. Messages quote what the client sent (names, datatypes); bounded, an answer
    /// never grows with the request (gRPC clients refuse status details over their metadata limit, 8 KiB in grpc-core).
    /// </summary>
    public const int MaxMessageLength = 1024;

    public static ErrorInfo Classify(Exception exception)
    {
        var info = ClassifyCore(exception);
        return info.Message.Length > MaxMessageLength ? info with { Message = Bound(info.Message) } : info;
    }

    /// <summary>Cuts <paramref name="message"/> to <see cref="MaxMessageLength"/> characters.</summary>
    public static string Bound(string message) =>
        message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, MaxMessageLength - Truncated.Length), Truncated);

    private const string Truncated = "… (message truncated)";

    private static ErrorInfo ClassifyCore(Exception exception) => exception switch
    {
        Protocol.ProtocolException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", ex.Reason, ex.Message),
        InferenceRequestException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", ex.Reason, ex.Message),
        TensorMismatchException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", "invalid_input", ex.Message),
        Processing.ProcessingException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", "processing_failed", ex.Message),
        ModelContractMismatchException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", "invalid_input", ex.Message),
        ModelNotFoundException ex => new(404, GrpcStatusCode.NotFound, "not_found", "model_not_found", ex.Message),
        ModelUnavailableException ex => new(503, GrpcStatusCode.Unavailable, "unavailable", "model_unavailable", ex.Message),
        ServerBusyException ex => new(503, GrpcStatusCode.Unavailable, "unavailable", "queue_full", ex.Message),
        SequenceLimitException ex => new(503, GrpcStatusCode.Unavailable, "unavailable", "sequence_limit", ex.Message),
        ServerDrainingException ex => new(503, GrpcStatusCode.Unavailable, "unavailable", "draining", ex.Message),
        ModelQueueFullException ex => new(503, GrpcStatusCode.Unavailable, "unavailable", "queue_full", ex.Message),
        ModelLoadException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", "load_failed", ex.Message),
        ClientRequestException ex => new(ex.StatusCode, ex.StatusCode == 413 ? GrpcStatusCode.ResourceExhausted : GrpcStatusCode.InvalidArgument,
            "bad_request", ex.Reason, ex.Message, ex.CloseConnection),
        ClientAbortedException ex => new(499, GrpcStatusCode.Cancelled, "canceled", "client_aborted", ex.Message, CloseConnection: true),
        Microsoft.AspNetCore.Http.BadHttpRequestException ex => new(ex.StatusCode, ex.StatusCode == 413 ? GrpcStatusCode.ResourceExhausted : GrpcStatusCode.InvalidArgument,
            "bad_request", ex.StatusCode == 413 ? "body_too_large" : "bad_http_request", ex.Message, CloseConnection: true),
        // ONNX Runtime rejected inputs that passed the signature checks (a dynamic size the graph cannot take, an index out of range…).
        ModelExecutionException ex => new(400, GrpcStatusCode.InvalidArgument, "bad_request", "execution_failed", ex.Message),
        OperationCanceledException => new(499, GrpcStatusCode.Cancelled, "canceled", "canceled", "The request was canceled."),
        _ => new(500, GrpcStatusCode.Internal, "error", "internal", "Internal server error; the server log has the details."),
    };
}
