namespace ModelKit.Server;

/// <summary>
/// The client sent a request the server cannot read: a bad chunk size, a body over the limit, a body that cannot be
/// decompressed. Answered with <see cref="StatusCode"/> (4xx); <see cref="CloseConnection"/> when the rest of the body was not
/// read, so the answer says <c>Connection: close</c>.
/// </summary>
public sealed class ClientRequestException(int statusCode, string reason, string message, bool closeConnection, Exception? inner = null)
    : ModelKitException(message, inner)
{
    /// <summary>The HTTP status (4xx).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>A short snake_case reason for metrics.</summary>
    public string Reason { get; } = reason;

    /// <summary>Whether the connection cannot be reused (part of the body is still unread).</summary>
    public bool CloseConnection { get; } = closeConnection;
}

/// <summary>The client went away (reset, aborted, timed out) while the server read its request or wrote its answer: nobody to answer.</summary>
public sealed class ClientAbortedException(string message, Exception? inner = null) : ModelKitException(message, inner);
