using System.Globalization;
using ModelKit.Protocol;

namespace ModelKit.Server;

/// <summary>A sequence's correlation id: an unsigned integer or a string (Triton's <c>sequence_id</c>); 42 and "42" are different sequences.</summary>
internal readonly record struct SequenceId(long Number, string? Text)
{
    public override string ToString() => Text is null ? Number.ToString(CultureInfo.InvariantCulture) : $"\"{Text}\"";
}

/// <summary>The sequence parameters of one request: <c>sequence_id</c>, <c>sequence_start</c>, <c>sequence_end</c>.</summary>
internal readonly record struct SequenceRequest(SequenceId Id, bool Start, bool End)
{
    public const string IdParameter = "sequence_id";
    public const string StartParameter = "sequence_start";
    public const string EndParameter = "sequence_end";

    /// <summary>The longest string id accepted (ids are echoed in errors and kept per sequence).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Reads the parameters of a request to a sequence model; throws <see cref="InferenceRequestException"/> (400) when they are missing or malformed.</summary>
    public static SequenceRequest Read(string model, Dictionary<string, ParameterValue>? parameters)
    {
        if (parameters is null || !parameters.TryGetValue(IdParameter, out var id))
        {
            throw new InferenceRequestException("missing_sequence_id",
                $"Model '{model}' is stateful (sequence batching): every request needs the parameter '{IdParameter}' (a non-zero unsigned integer or a string), with '{StartParameter}': true on its first request and '{EndParameter}': true on its last.");
        }

        SequenceId sequence;
        switch (id.Kind)
        {
            case ParameterKind.Int64 when id.TryGetInt64(out long number) && number > 0:
                sequence = new SequenceId(number, null);
                break;
            case ParameterKind.String when id.AsString() is { Length: > 0 and <= MaxIdLength } text:
                sequence = new SequenceId(0, text);
                break;
            default:
                throw new InferenceRequestException("invalid_sequence_id",
                    $"'{IdParameter}' must be an unsigned integer in [1, 9223372036854775807] or a string of 1 to {MaxIdLength} characters; got {Describe(id)}.");
        }

        return new SequenceRequest(sequence, Flag(parameters, StartParameter), Flag(parameters, EndParameter));
    }

    private static bool Flag(Dictionary<string, ParameterValue> parameters, string name)
    {
        if (!parameters.TryGetValue(name, out var value))
        {
            return false;
        }

        if (value.Kind is ParameterKind.Bool or ParameterKind.Int64 && value.TryGetBool(out bool flag))
        {
            return flag;
        }

        throw new InferenceRequestException("invalid_sequence_flag", $"'{name}' must be a boolean; got {Describe(value)}.");
    }

    private static string Describe(ParameterValue value)
    {
        string text = value.ToString() ?? string.Empty;
        return $"{value.Kind.ToString().ToLowerInvariant()} {(text.Length > 64 ? text[..64] + "…" : text)}";
    }
}
