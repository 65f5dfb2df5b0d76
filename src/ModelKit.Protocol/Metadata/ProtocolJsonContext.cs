using System.Text.Json.Serialization;

namespace ModelKit.Protocol.Metadata;

/// <summary>
/// Source-generated System.Text.Json metadata for the protocol's non-tensor messages (no reflection). Inference bodies go
/// through <see cref="Rest.RestInferenceCodec"/>, which writes tensor data straight into typed arrays.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ServerMetadataResponse))]
[JsonSerializable(typeof(ModelMetadataResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(LiveResponse))]
[JsonSerializable(typeof(ReadyResponse))]
[JsonSerializable(typeof(RepositoryIndexRequest))]
[JsonSerializable(typeof(List<RepositoryIndexEntry>))]
[JsonSerializable(typeof(RepositoryModelRequest))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext
{
    /// <summary>
    /// A context that writes non-ASCII text and quotes unescaped (<c>'</c> rather than <c>\u0027</c>), so error messages read
    /// well; reading is the same as <see cref="JsonSerializerContext"/>'s <c>Default</c>.
    /// </summary>
    public static ProtocolJsonContext Relaxed { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    });
}
