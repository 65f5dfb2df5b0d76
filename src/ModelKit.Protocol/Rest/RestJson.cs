using System.Text.Json;

namespace ModelKit.Protocol.Rest;

/// <summary>Small <see cref="Utf8JsonReader"/> helpers shared by the REST decoders.</summary>
internal static class RestJson
{
    public static void ExpectObject(ref Utf8JsonReader reader, string message)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed(message + ".");
        }
    }

    public static void ExpectEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw Malformed("Unexpected content after the JSON object.");
        }
    }

    /// <summary>Moves to the next property name; false at the object's end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Malformed("The JSON ends inside an object.");
        }

        return reader.TokenType == JsonTokenType.PropertyName;
    }

    public static string ReadString(ref Utf8JsonReader reader, string what) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Malformed($"{Capitalize(what)} must be a string.");

    /// <summary>
    /// A name that repeats from message to message (a tensor's name or datatype), through <see cref="NameCache"/>; the error says
    /// "The <paramref name="field"/> of <paramref name="kind"/> <paramref name="index"/> must be a string." (formatted only then).
    /// </summary>
    public static string ReadName(ref Utf8JsonReader reader, string field, string kind, int index) =>
        reader.TokenType == JsonTokenType.String ? NameCache.Get(ref reader) : throw Malformed($"The {field} of {kind} {index} must be a string.");

    /// <summary>An optional string field of another implementation's message: a string, null, or a number (kept as its text); <paramref name="repeats"/>: through <see cref="NameCache"/>.</summary>
    public static string? ReadOptionalString(ref Utf8JsonReader reader, string what, bool repeats = false) => reader.TokenType switch
    {
        JsonTokenType.String => repeats ? NameCache.Get(ref reader) : reader.GetString(),
        JsonTokenType.Null => null,
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        _ => throw Malformed($"{Capitalize(what)} must be a string or null."),
    };

    /// <summary>A string value that repeats from message to message (a model's name or version, through <see cref="NameCache"/>), or null for a value of another type (skipped).</summary>
    public static string? ReadStringOrSkip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return NameCache.Get(ref reader);
        }

        reader.Skip();
        return null;
    }

    public static ProtocolException Malformed(string message) => new(ProtocolErrorKind.MalformedJson, message);

    public static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    public static string Truncate(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
