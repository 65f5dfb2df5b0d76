using System.Collections.Concurrent;
using System.Text.Json;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// The strings that repeat in every REST message (tensor and output names, datatypes, parameter names, model names and versions),
/// read once and then handed out again, so decoding a message does not allocate them per request. Bounded: past
/// <see cref="MaxEntries"/> names (or for names longer than <see cref="MaxLength"/> characters) a new string is made each time.
/// </summary>
internal static class NameCache
{
    public const int MaxEntries = 1024;
    public const int MaxLength = 64;

    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Names.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int Entries;

    /// <summary>The string value at the reader's current token (which must be a string), from the cache when it is there.</summary>
    public static string Get(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxLength];
        int length = reader.CopyString(chars); // unescapes and validates as GetString does
        var text = chars[..length];
        if (Lookup.TryGetValue(text, out string? known))
        {
            return known;
        }

        string value = new(text);
        if (Volatile.Read(ref Entries) < MaxEntries && Names.TryAdd(value, value))
        {
            Interlocked.Increment(ref Entries);
        }

        return value;
    }
}
