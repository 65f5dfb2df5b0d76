namespace ModelKit.Protocol;

/// <summary>Header, parameter, extension and path names of the protocol.</summary>
public static class ProtocolNames
{
    /// <summary>The header giving the length of the JSON part of a body that carries binary tensor data.</summary>
    public const string InferenceHeaderContentLength = "Inference-Header-Content-Length";

    /// <summary>
    /// Tensor parameter (MLServer's): how the elements are encoded; with <see cref="Base64ContentType"/> a BYTES tensor's JSON
    /// elements are base64 text of binary elements. ModelKit's model metadata carries it on binary BYTES tensors.
    /// </summary>
    public const string ContentType = "content_type";

    /// <summary>The <see cref="ContentType"/> of binary BYTES elements sent as base64 text (MLServer's <c>Base64Codec</c>).</summary>
    public const string Base64ContentType = "base64";

    /// <summary>Tensor parameter: size in bytes of the tensor's binary data.</summary>
    public const string BinaryDataSize = "binary_data_size";

    /// <summary>Requested-output parameter: return this output as binary data.</summary>
    public const string BinaryData = "binary_data";

    /// <summary>Request parameter: return every output as binary data unless one says otherwise.</summary>
    public const string BinaryDataOutput = "binary_data_output";

    /// <summary>Server metadata extension name of the binary tensor data extension.</summary>
    public const string BinaryTensorDataExtension = "binary_tensor_data";

    /// <summary>Server metadata extension name of the model repository extension.</summary>
    public const string ModelRepositoryExtension = "model_repository";

    /// <summary>Content type of a body with binary tensor data.</summary>
    public const string OctetStream = "application/octet-stream";

    /// <summary>Content type of a JSON body.</summary>
    public const string Json = "application/json";

    /// <summary>The platform name of ONNX models.</summary>
    public const string OnnxPlatform = "onnx_onnxv1";
}
