namespace ModelKit.OnnxFormat;

/// <summary>The bytes are not a well-formed ONNX protobuf message, or hold something this library does not read.</summary>
public sealed class OnnxFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OnnxFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public OnnxFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
