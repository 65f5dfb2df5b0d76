using System.Text.Json.Serialization;

namespace ModelKit.Protocol.Metadata;

/// <summary><c>$metadata_server_response</c>: <c>GET /v2</c>.</summary>
public sealed class ServerMetadataResponse
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("version")]
    public string Version { get; set; } = string.Empty;

    [JsonPropertyName("extensions")]
    public List<string> Extensions { get; set; } = [];
}

/// <summary><c>$metadata_tensor</c>: a model input or output.</summary>
public sealed class TensorMetadata
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("datatype")]
    public string Datatype { get; set; } = string.Empty;

    /// <summary>Dimensions, -1 where variable.</summary>
    [JsonPropertyName("shape")]
    public long[] Shape { get; set; } = [];

    /// <summary>The metadata of a model tensor.</summary>
    public static TensorMetadata From(TensorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new TensorMetadata
        {
            Name = info.Name,
            Datatype = InferenceDataTypes.FromElementType(info.ElementType),
            Shape = Array.ConvertAll(info.Shape, static d => d < 0 ? -1L : d),
        };
    }

    /// <summary>Back to a <see cref="TensorInfo"/>; throws <see cref="ProtocolException"/> for an unknown datatype.</summary>
    public TensorInfo ToTensorInfo() => new(Name, InferenceDataTypes.GetElementType(Datatype ?? string.Empty, Name), Shape ?? []);
}

/// <summary><c>$metadata_model_response</c>: <c>GET /v2/models/{name}[/versions/{version}]</c>.</summary>
public sealed class ModelMetadataResponse
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("versions")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Versions { get; set; }

    [JsonPropertyName("platform")]
    public string Platform { get; set; } = string.Empty;

    [JsonPropertyName("inputs")]
    public List<TensorMetadata> Inputs { get; set; } = [];

    [JsonPropertyName("outputs")]
    public List<TensorMetadata> Outputs { get; set; } = [];

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
    [JsonPropertyName("error")]
    public string Error { get; set; } = string.Empty;
}

/// <summary>The body of <c>GET /v2/health/live</c>.</summary>
public sealed class LiveResponse
{
    [JsonPropertyName("live")]
    public bool Live { get; set; }
}

/// <summary>The body of <c>GET /v2/health/ready</c> and <c>…/models/{name}/ready</c>.</summary>
public sealed class ReadyResponse
{
    [JsonPropertyName("ready")]
    public bool Ready { get; set; }
}

/// <summary><c>$repository_index_request</c>: <c>POST /v2/repository/index</c>.</summary>
public sealed class RepositoryIndexRequest
{
    [JsonPropertyName("ready")]
    public bool? Ready { get; set; }
}

/// <summary>One entry of <c>$repository_index_response</c> (the response is an array of these).</summary>
public sealed class RepositoryIndexEntry
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("version")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; set; }

    /// <summary><c>READY</c>, <c>LOADING</c>, <c>UNLOADING</c>, <c>UNAVAILABLE</c>.</summary>
    [JsonPropertyName("state")]
    public string State { get; set; } = string.Empty;

    [JsonPropertyName("reason")]
    public string Reason { get; set; } = string.Empty;
}

/// <summary><c>$repository_load_request</c> / <c>$repository_unload_request</c>.</summary>
public sealed class RepositoryModelRequest
{
    [JsonPropertyName("parameters")]
    public Dictionary<string, ParameterValue>? Parameters { get; set; }
}
