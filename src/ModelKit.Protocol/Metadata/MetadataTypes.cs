using System.Text.Json.Serialization;

namespace ModelKit.Protocol.Metadata;

/// <summary><c>$metadata_server_response</c>: <c>GET /v2</c>.</summary>
public sealed class ServerMetadataResponse
{
    /// <summary>The server's name (ModelKit answers <c>modelkit</c>).</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The server's version.</summary>
    [JsonPropertyName("version")]
    public string Version { get; set; } = string.Empty;

    /// <summary>The protocol extensions the server supports (e.g. <c>binary_tensor_data</c>, <c>model_repository</c>).</summary>
    [JsonPropertyName("extensions")]
    public List<string> Extensions { get; set; } = [];
}

/// <summary><c>$metadata_tensor</c>: a model input or output.</summary>
public sealed class TensorMetadata
{
    /// <summary>The tensor's name in the model.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The protocol datatype (<see cref="InferenceDataTypes"/>), e.g. <c>FP32</c>.</summary>
    [JsonPropertyName("datatype")]
    public string Datatype { get; set; } = string.Empty;

    /// <summary>Dimensions, -1 where variable.</summary>
    [JsonPropertyName("shape")]
    public long[] Shape { get; set; } = [];

    /// <summary>
    /// Tensor parameters (MLServer's metadata field); ModelKit sets <c>"content_type": "base64"</c> on BYTES tensors whose elements are
    /// binary (<see cref="TensorElementType.Binary"/>). Omitted when there are none.
    /// </summary>
    [JsonPropertyName("parameters")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ParameterValue>? Parameters { get; set; }

    /// <summary>The metadata of a model tensor.</summary>
    public static TensorMetadata From(TensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new TensorMetadata
        {
            Name = info.Name,
            Datatype = InferenceDataTypes.FromElementType(info.ElementType),
            Shape = Array.ConvertAll(info.Shape, static d => d < 0 ? -1L : d),
            Parameters = info.ElementType == TensorElementType.Binary
                ? new Dictionary<string, ParameterValue>(StringComparer.Ordinal) { [ProtocolNames.ContentType] = ParameterValue.FromString(ProtocolNames.Base64ContentType) }
                : null,
        };
    }

    /// <summary>
    /// Back to a <see cref="TensorInfo"/>: a BYTES tensor with <c>"content_type": "base64"</c> is <see cref="TensorElementType.Binary"/>.
    /// Throws <see cref="ProtocolException"/> for an unknown datatype.
    /// </summary>
    public TensorInfo ToTensorInfo() => new(Name, ElementType(Datatype, Name, Parameters?.GetValueOrDefault(ProtocolNames.ContentType).AsString()), Shape ?? []);

    /// <summary>The element type of a datatype, <see cref="TensorElementType.Binary"/> for BYTES whose content type is base64.</summary>
    public static TensorElementType ElementType(string? datatype, string tensorName, string? contentType)
    {
        var type = InferenceDataTypes.GetElementType(datatype ?? string.Empty, tensorName);
        return type == TensorElementType.String && string.Equals(contentType, ProtocolNames.Base64ContentType, StringComparison.Ordinal)
            ? TensorElementType.Binary
            : type;
    }
}

/// <summary><c>$metadata_model_response</c>: <c>GET /v2/models/{name}[/versions/{version}]</c>.</summary>
public sealed class ModelMetadataResponse
{
    /// <summary>The model's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The versions available, as strings; omitted when the server does not say.</summary>
    [JsonPropertyName("versions")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Versions { get; set; }

    /// <summary>The framework that runs the model (ModelKit answers <c>onnxruntime_onnx</c>, as Triton does).</summary>
    [JsonPropertyName("platform")]
    public string Platform { get; set; } = string.Empty;

    /// <summary>The model's inputs.</summary>
    [JsonPropertyName("inputs")]
    public List<TensorMetadata> Inputs { get; set; } = [];

    /// <summary>The model's outputs.</summary>
    [JsonPropertyName("outputs")]
    public List<TensorMetadata> Outputs { get; set; } = [];

    /// <summary>Extra model parameters; omitted when there are none.</summary>
    [JsonPropertyName("parameters")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ParameterValue>? Parameters { get; set; }

    /// <summary>The metadata of a model from its signature.</summary>
    public static ModelMetadataResponse From(string name, IEnumerable<string>? versions, string platform, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new ModelMetadataResponse
        {
            Name = name,
            Versions = versions?.ToList(),
            Platform = platform,
            Inputs = signature.Inputs.Select(TensorMetadata.From).ToList(),
            Outputs = signature.Outputs.Select(TensorMetadata.From).ToList(),
        };
    }

    /// <summary>
    /// The model's signature as metadata describes it (no symbolic dimension names). Lists another server leaves out or sends
    /// as null (<c>"inputs": null</c>) are empty.
    /// </summary>
    public ModelSignature ToSignature() =>
        new((Inputs ?? []).Select(static t => t.ToTensorInfo()).ToArray(), (Outputs ?? []).Select(static t => t.ToTensorInfo()).ToArray());
}

/// <summary>The body of every error: <c>{"error": "…"}</c>.</summary>
public sealed class ErrorResponse
{
    /// <summary>The error text: what was wrong, naming the model or tensor concerned.</summary>
    [JsonPropertyName("error")]
    public string Error { get; set; } = string.Empty;
}

/// <summary>The body of <c>GET /v2/health/live</c>.</summary>
public sealed class LiveResponse
{
    /// <summary>Whether the server process is up and answering.</summary>
    [JsonPropertyName("live")]
    public bool Live { get; set; }
}

/// <summary>The body of <c>GET /v2/health/ready</c> and <c>…/models/{name}/ready</c>.</summary>
public sealed class ReadyResponse
{
    /// <summary>Whether the server (every model) or the named model is ready for inference.</summary>
    [JsonPropertyName("ready")]
    public bool Ready { get; set; }
}

/// <summary><c>$repository_index_request</c>: <c>POST /v2/repository/index</c>.</summary>
public sealed class RepositoryIndexRequest
{
    /// <summary>When set, list only the models whose readiness matches it; when null, all models.</summary>
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }
}

/// <summary>One entry of <c>$repository_index_response</c> (the response is an array of these).</summary>
public sealed class RepositoryIndexEntry
{
    /// <summary>The model's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The version, when the entry is about one version; omitted otherwise.</summary>
    [JsonPropertyName("version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; set; }

    /// <summary><c>READY</c>, <c>LOADING</c>, <c>UNLOADING</c>, <c>UNAVAILABLE</c>.</summary>
    [JsonPropertyName("state")]
    public string State { get; set; } = string.Empty;

    /// <summary>Why the model is in its state (e.g. a load error), empty when there is nothing to say.</summary>
    [JsonPropertyName("reason")]
    public string Reason { get; set; } = string.Empty;
}

/// <summary><c>$repository_load_request</c> / <c>$repository_unload_request</c>.</summary>
public sealed class RepositoryModelRequest
{
    /// <summary>Load or unload parameters (e.g. a configuration override); null when none are sent.</summary>
    [JsonPropertyName("parameters")]
    public Dictionary<string, ParameterValue>? Parameters { get; set; }
}
