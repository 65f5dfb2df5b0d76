using System.Text.Json;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// The strings that repeat in every REST message (tensor and output names, datatypes, parameter names, model names and versions),
/// read once and then handed out again, so decoding a message does not allocate them per request. A small direct-mapped cache per
/// thread (<see cref="Slots"/> entries, names up to <see cref="MaxLength"/> UTF-8 bytes): bounded whatever messages claim, and a
/// name that stops repeating is simply replaced by the next one that lands in its slot.
/// </summary>
internal static class NameCache
{
    public const int Slots = 64;
    public const int MaxLength = 64;

    [ThreadStatic]
    private static string?[]? Names;

    /// <summary>The string value at the reader's current token (a string or property name), shared with earlier reads on this thread when it is cached.</summary>
    public static string Get(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        var bytes = reader.ValueSpan;
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        var names = Names ??= new string?[Slots];
        ref string? slot = ref names[hash % Slots];
        if (slot is { } known && reader.ValueTextEquals(known))
        {
            return known;
        }

        string value = reader.GetString()!;
        slot = value;
        return value;
    }
}
