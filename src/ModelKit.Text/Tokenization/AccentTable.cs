using System.Text;

namespace ModelKit.Text.Tokenization;

/// <summary>
/// Hugging Face's <c>strip_accents</c> (Unicode NFD, then nonspacing marks removed), one code point at a time, from a precomputed
/// table: correct whether or not .NET runs in globalization-invariant mode (where <see cref="string.Normalize()"/> does nothing).
/// </summary>
internal static partial class AccentTable
{
    private const int HangulBase = 0xAC00;
    private const int HangulCount = 11172;

    /// <summary>Appends what <paramref name="rune"/> becomes after NFD and removing nonspacing marks.</summary>
    public static void AppendStripped(Rune rune, ref ValueStringBuilder builder)
    {
        int value = rune.Value;
        if (value < 0xC0)
        {
            builder.Append(rune);
            return;
        }

        if (Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.NonSpacingMark)
        {
            return;
        }

        if ((uint)(value - HangulBase) < HangulCount)
        {
            // Hangul syllables decompose into leading consonant, vowel and optional trailing consonant jamo (none are marks).
            int index = value - HangulBase;
            builder.Append(new Rune(0x1100 + (index / 588)));
            builder.Append(new Rune(0x1161 + (index % 588 / 28)));
            if (index % 28 != 0)
            {
                builder.Append(new Rune(0x11A7 + (index % 28)));
            }

            return;
        }

        int found = Keys.BinarySearch(value);
        if (found < 0)
        {
            builder.Append(rune);
            return;
        }

        builder.Append(Values.AsSpan(Offsets[found], Offsets[found + 1] - Offsets[found]));
    }
}
