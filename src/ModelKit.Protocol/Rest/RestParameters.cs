using System.Text.Json;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// The <c>parameters</c> objects of REST messages (request, response, tensor, requested output): read with one well-known
/// parameter pulled out (<c>binary_data_output</c>, <c>binary_data</c>, <c>binary_data_size</c>), written with it put back.
/// </summary>
internal static class RestParameters
{
    /// <summary>
    /// Reads a <c>parameters</c> value (null or an object); <paramref name="extractName"/>'s value goes to <paramref name="extracted"/>.
    /// With <paramref name="lenient"/> (a response from another server), values that are not a string, number or boolean are
    /// skipped instead of failing. Errors name the owner as <paramref name="owner"/> followed by <paramref name="ownerIndex"/> (when
    /// not negative), formatted only then. Parameter names are read through <see cref="NameCache"/>.
    /// </summary>
    public static Dictionary<string, ParameterValue>? Read(ref Utf8JsonReader reader, string owner, int ownerIndex, string? extractName, out ParameterValue? extracted, bool lenient = false)
    {
        extracted = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw RestJson.Malformed($"The parameters of {(ownerIndex < 0 ? owner : $"{owner} {ownerIndex}")} must be a JSON object.");
        }

        Dictionary<string, ParameterValue>? parameters = null;
        while (RestJson.NextProperty(ref reader))
        {
            string key = NameCache.Get(ref reader);
            reader.Read();
            if (lenient && reader.TokenType is JsonTokenType.Null or JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            var value = ParameterValue.Read(ref reader, key);
            if (extractName is not null && string.Equals(key, extractName, StringComparison.Ordinal))
            {
                extracted = value;
                continue;
            }

            parameters ??= new Dictionary<string, ParameterValue>(StringComparer.Ordinal);
            parameters[key] = value;
        }

        return parameters;
    }

    /// <summary>A boolean flag parameter (<c>binary_data_output</c>, <c>binary_data</c>).</summary>
    public static bool ToBool(ParameterValue value, string name) =>
        value.TryGetBool(out bool result)
            ? result
            : throw new ProtocolException(ProtocolErrorKind.InvalidValue, $"Parameter \"{name}\" must be a boolean (got {value}).");

    /// <summary>Writes <c>"parameters": {…}</c> when there is anything to write: <paramref name="parameters"/> but <paramref name="extraName"/>, then <paramref name="extra"/>.</summary>
    public static void Write(Utf8JsonWriter writer, Dictionary<string, ParameterValue>? parameters, string? extraName, ParameterValue? extra)
    {
        bool hasOthers = false;
        if (parameters is not null)
        {
            foreach (var key in parameters.Keys)
            {
                if (!string.Equals(key, extraName, StringComparison.Ordinal))
                {
                    hasOthers = true;
                    break;
                }
            }
        }

        if (!hasOthers && extra is null)
        {
            return;
        }

        writer.WritePropertyName("parameters"u8);
        writer.WriteStartObject();
        if (parameters is not null)
        {
            foreach (var (key, value) in parameters)
            {
                if (string.Equals(key, extraName, StringComparison.Ordinal))
                {
                    continue;
                }

                writer.WritePropertyName(key);
                value.Write(writer);
            }
        }

        if (extra is { } extraValue)
        {
            writer.WritePropertyName(extraName!);
            extraValue.Write(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary><see cref="Write"/> with an optional boolean flag.</summary>
    public static void WriteWithFlag(Utf8JsonWriter writer, Dictionary<string, ParameterValue>? parameters, string extraName, bool? extra) =>
        Write(writer, parameters, extraName, extra is { } value ? ParameterValue.FromBool(value) : (ParameterValue?)null);
}
