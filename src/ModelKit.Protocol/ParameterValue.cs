using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelKit.Protocol;

/// <summary>The kind of value an <see cref="ParameterValue"/> holds.</summary>
public enum ParameterKind
{
    /// <summary>A JSON <c>true</c> or <c>false</c>.</summary>
    Bool,
    /// <summary>A JSON integer, held as a 64-bit signed integer.</summary>
    Int64,
    /// <summary>A JSON number with a fraction or exponent, held as a double.</summary>
    Double,
    /// <summary>A JSON string.</summary>
    String,
}

/// <summary>
/// A protocol parameter value: <c>$string</c>, <c>$number</c> or <c>$boolean</c> in JSON; <c>ParameterValue</c> in gRPC.
/// </summary>
[JsonConverter(typeof(ParameterValueJsonConverter))]
public readonly struct ParameterValue : IEquatable<ParameterValue>
{
    private readonly long _integer;
    private readonly double _double;
    private readonly string? _string;

    private ParameterValue(ParameterKind kind, long integer, double number, string? text)
    {
        Kind = kind;
        _integer = integer;
        _double = number;
        _string = text;
    }

    /// <summary>The kind of value.</summary>
    public ParameterKind Kind { get; }

    /// <summary>A boolean parameter.</summary>
    public static ParameterValue FromBool(bool value) => new(ParameterKind.Bool, value ? 1 : 0, 0, null);

    /// <summary>An integer parameter.</summary>
    public static ParameterValue FromInt64(long value) => new(ParameterKind.Int64, value, 0, null);

    /// <summary>A floating-point parameter.</summary>
    public static ParameterValue FromDouble(double value) => new(ParameterKind.Double, 0, value, null);

    /// <summary>A string parameter.</summary>
    public static ParameterValue FromString(string value) => new(ParameterKind.String, 0, 0, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>Wraps a boolean (<see cref="ParameterKind.Bool"/>).</summary>
    public static implicit operator ParameterValue(bool value) => FromBool(value);

    /// <summary>Wraps an integer (<see cref="ParameterKind.Int64"/>).</summary>
    public static implicit operator ParameterValue(long value) => FromInt64(value);

    /// <summary>Wraps a double (<see cref="ParameterKind.Double"/>).</summary>
    public static implicit operator ParameterValue(double value) => FromDouble(value);

    /// <summary>Wraps a string (<see cref="ParameterKind.String"/>).</summary>
    public static implicit operator ParameterValue(string value) => FromString(value);

    /// <summary>The boolean value (true for a non-zero integer, <c>"true"</c>).</summary>
    public bool TryGetBool(out bool value)
    {
        switch (Kind)
        {
            case ParameterKind.Bool:
            case ParameterKind.Int64:
                value = _integer != 0;
                return true;
            case ParameterKind.String when bool.TryParse(_string, out value):
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>The integer value (a double only when it is integral).</summary>
    public bool TryGetInt64(out long value)
    {
        switch (Kind)
        {
            case ParameterKind.Int64:
                value = _integer;
                return true;
            case ParameterKind.Double when _double == Math.Floor(_double) && _double is >= long.MinValue and <= long.MaxValue:
                value = (long)_double;
                return true;
            case ParameterKind.String when long.TryParse(_string, NumberStyles.Integer, CultureInfo.InvariantCulture, out value):
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>The numeric value.</summary>
    public bool TryGetDouble(out double value)
    {
        switch (Kind)
        {
            case ParameterKind.Double:
                value = _double;
                return true;
            case ParameterKind.Int64:
                value = _integer;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>The string value, or null for other kinds.</summary>
    public string? AsString() => Kind == ParameterKind.String ? _string : null;

    /// <summary>Whether both hold the same kind and the same value.</summary>
    public bool Equals(ParameterValue other) =>
        Kind == other.Kind && _integer == other._integer && _double.Equals(other._double) && string.Equals(_string, other._string, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ParameterValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, _integer, _double, _string);

    /// <summary>Whether both hold the same kind and the same value.</summary>
    public static bool operator ==(ParameterValue left, ParameterValue right) => left.Equals(right);

    /// <summary>Whether the two differ in kind or value.</summary>
    public static bool operator !=(ParameterValue left, ParameterValue right) => !left.Equals(right);

    /// <summary>The value as JSON writes it (<c>true</c>, <c>42</c>, <c>0.5</c>, or the string itself), invariant culture.</summary>
    public override string ToString() => Kind switch
    {
        ParameterKind.Bool => _integer != 0 ? "true" : "false",
        ParameterKind.Int64 => _integer.ToString(CultureInfo.InvariantCulture),
        ParameterKind.Double => _double.ToString("R", CultureInfo.InvariantCulture),
        _ => _string ?? string.Empty,
    };

    /// <summary>Reads a parameter value at the reader's current token (string, number or boolean).</summary>
    internal static ParameterValue Read(ref Utf8JsonReader reader, string name)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return FromBool(true);
            case JsonTokenType.False:
                return FromBool(false);
            case JsonTokenType.String:
                return FromString(reader.GetString()!);
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long integer))
                {
                    return FromInt64(integer);
                }

                if (reader.TryGetDouble(out double number))
                {
                    return FromDouble(number);
                }

                break;
        }

        throw new ProtocolException(ProtocolErrorKind.MalformedJson,
            $"Parameter '{name}' must be a string, a number or a boolean (got {reader.TokenType}).");
    }

    /// <summary>Writes the value.</summary>
    internal void Write(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case ParameterKind.Bool:
                writer.WriteBooleanValue(_integer != 0);
                break;
            case ParameterKind.Int64:
                writer.WriteNumberValue(_integer);
                break;
            case ParameterKind.Double:
                writer.WriteNumberValue(_double);
                break;
            default:
                writer.WriteStringValue(_string);
                break;
        }
    }
}

/// <summary>Reads and writes <see cref="ParameterValue"/> as a JSON string, number or boolean.</summary>
public sealed class ParameterValueJsonConverter : JsonConverter<ParameterValue>
{
    /// <inheritdoc/>
    public override ParameterValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return ParameterValue.Read(ref reader, "parameter");
        }
        catch (ProtocolException ex)
        {
            throw new JsonException(ex.Message, ex);
        }
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, ParameterValue value, JsonSerializerOptions options) => value.Write(writer);
}
