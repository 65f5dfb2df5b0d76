namespace ModelKit.Protocol.Rest;

/// <summary>
/// Encodes and decodes REST inference bodies: JSON (<c>$inference_request</c>, <c>$inference_response</c>) and the binary
/// tensor data extension (a JSON header of <c>Inference-Header-Content-Length</c> bytes followed by each binary tensor's
/// <c>binary_data_size</c> bytes, in tensor order). Decoded JSON data lands directly in typed arrays; binary data becomes a
/// view over the body array (keep the body alive and unchanged while the tensors are used). Malformed input throws
/// <see cref="ProtocolException"/>.
/// </summary>
/// <remarks>
/// The work is split by reason to change: <see cref="RestMessageDecoder"/> (one decoder for both messages),
/// <see cref="RestMessageEncoder"/>, <see cref="BinaryDataFraming"/> (the binary extension) and <see cref="RestParameters"/>.
/// </remarks>
public static class RestInferenceCodec
{
    /// <summary>
    /// Parses the <c>Inference-Header-Content-Length</c> header value: null when absent; throws <see cref="ProtocolException"/>
    /// when it is not a non-negative integer.
    /// </summary>
    public static long? ParseInferenceHeaderContentLength(string? value) => BinaryDataFraming.ParseHeaderLength(value);

    /// <summary>Decodes a request body.</summary>
    /// <param name="body">The whole body. Binary tensors are views over it when it is array-backed.</param>
    /// <param name="inferenceHeaderContentLength">The <c>Inference-Header-Content-Length</c> header, or null when the body is JSON only.</param>
    /// <param name="limits">Limits; <see cref="ProtocolLimits.Default"/> when null.</param>
    public static InferenceRequest DecodeRequest(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits = null) =>
        RestMessageDecoder.DecodeRequest(body, inferenceHeaderContentLength, limits);

    /// <summary>Decodes a response body (the remote client's side).</summary>
    public static InferenceResponse DecodeResponse(ReadOnlyMemory<byte> body, long? inferenceHeaderContentLength, ProtocolLimits? limits = null) =>
        RestMessageDecoder.DecodeResponse(body, inferenceHeaderContentLength, limits);

    /// <summary>
    /// Encodes a request: inputs with <see cref="InferTensor.Binary"/> set (and every FP16/BF16 input) as binary data, the
    /// others as JSON; requested outputs with their <c>binary_data</c>; <c>binary_data_output</c> from the request.
    /// </summary>
    public static EncodedMessage EncodeRequest(InferenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RestMessageEncoder.EncodeRequest(request);
    }

    /// <summary>Encodes a response: outputs with <see cref="InferTensor.Binary"/> set (and every FP16/BF16 output) as binary data.</summary>
    public static EncodedMessage EncodeResponse(InferenceResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RestMessageEncoder.EncodeResponse(response);
    }
}
