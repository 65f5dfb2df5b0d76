namespace ModelKit.Protocol;

/// <summary>What was wrong with a protocol message.</summary>
public enum ProtocolErrorKind
{
    /// <summary>The JSON is not well-formed or not the expected structure.</summary>
    MalformedJson,

    /// <summary>The binary tensor data framing is wrong (<c>Inference-Header-Content-Length</c>, <c>binary_data_size</c>, raw contents).</summary>
    InvalidFraming,

    /// <summary>A tensor's data does not hold as many elements or bytes as its shape and datatype need.</summary>
    SizeMismatch,

    /// <summary>A datatype the protocol does not define.</summary>
    UnknownDatatype,

    /// <summary>A shape with a negative dimension, too many dimensions or too many elements.</summary>
    InvalidShape,

    /// <summary>An element that does not fit the datatype (a string for INT32, 300 for UINT8…).</summary>
    InvalidValue,

    /// <summary>A required field is missing or duplicated.</summary>
    MissingField,

    /// <summary>A configured limit (elements per tensor, tensors per request) is exceeded.</summary>
    LimitExceeded,

    /// <summary>Valid protocol, but not supported this way (FP16 as JSON numbers).</summary>
    Unsupported,
}

/// <summary>
/// A protocol message (request or response body, gRPC message) is malformed or breaks a limit. Raised by the codecs for
/// input that came over the wire: a server answers 400 (gRPC <c>InvalidArgument</c>); a client treats it as a bad response.
/// </summary>
public sealed class ProtocolException : ModelKitException
{
    /// <summary>Creates the exception: <paramref name="kind"/> says what part of the message was wrong; <paramref name="message"/> names the field, the expected and the actual value.</summary>
    public ProtocolException(ProtocolErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>What was wrong.</summary>
    public ProtocolErrorKind Kind { get; }

    /// <summary>A short snake_case reason for metrics (<c>malformed_json</c>, <c>size_mismatch</c>…).</summary>
    public string Reason => Kind switch
    {
        ProtocolErrorKind.MalformedJson => "malformed_json",
        ProtocolErrorKind.InvalidFraming => "invalid_framing",
        ProtocolErrorKind.SizeMismatch => "size_mismatch",
        ProtocolErrorKind.UnknownDatatype => "unknown_datatype",
        ProtocolErrorKind.InvalidShape => "invalid_shape",
        ProtocolErrorKind.InvalidValue => "invalid_value",
        ProtocolErrorKind.MissingField => "missing_field",
        ProtocolErrorKind.LimitExceeded => "limit_exceeded",
        _ => "unsupported",
    };
}
