using System.Runtime.CompilerServices;

namespace ModelKit;

/// <summary>A bfloat16 value: the upper 16 bits of an IEEE 754 single. Bit-compatible with ONNX's BFLOAT16.</summary>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>
{
    /// <summary>The raw bits.</summary>
    public ushort Bits { get; }

    private BFloat16(ushort bits) => Bits = bits;

    /// <summary>Creates a value from its raw bits.</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>Converts a float with round-to-nearest-even (NaN stays NaN).</summary>
    public static explicit operator BFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return new BFloat16((ushort)((bits >> 16) | 0x0040));
        }

        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + rounding) >> 16));
    }

    /// <summary>Widens to a float exactly.</summary>
    public static implicit operator float(BFloat16 value) => BitConverter.UInt32BitsToSingle((uint)value.Bits << 16);

    /// <summary>Widens to a float exactly (the same as the implicit conversion).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => this;

    /// <summary>Whether the two values are equal as floats (NaN equals NaN, as <see cref="float.Equals(float)"/>).</summary>
    public bool Equals(BFloat16 other) => ToSingle().Equals(other.ToSingle());

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();

    /// <summary>Compares the two values as floats (NaN sorts first, as <see cref="float.CompareTo(float)"/>).</summary>
    public int CompareTo(BFloat16 other) => ToSingle().CompareTo(other.ToSingle());

    /// <summary>Whether the two values are equal as floats.</summary>
    public static bool operator ==(BFloat16 left, BFloat16 right) => left.Equals(right);

    /// <summary>Whether the two values differ as floats.</summary>
    public static bool operator !=(BFloat16 left, BFloat16 right) => !left.Equals(right);

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/>, as floats.</summary>
    public static bool operator <(BFloat16 left, BFloat16 right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts before or with <paramref name="right"/>, as floats.</summary>
    public static bool operator <=(BFloat16 left, BFloat16 right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/>, as floats.</summary>
    public static bool operator >(BFloat16 left, BFloat16 right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts after or with <paramref name="right"/>, as floats.</summary>
    public static bool operator >=(BFloat16 left, BFloat16 right) => left.CompareTo(right) >= 0;

    /// <summary>The value as a float, invariant culture.</summary>
    public override string ToString() => ToSingle().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
