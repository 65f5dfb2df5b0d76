using System.Globalization;
using System.Text;

namespace ModelKit;

/// <summary>Shape helpers: element counts, formatting, resolving dynamic dimensions.</summary>
public static class TensorShape
{
    /// <summary>The product of the dimensions (1 for a scalar); -1 when any dimension is unknown.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                return -1;
            }

            count = checked(count * dim);
        }

        return count;
    }

    /// <summary>Formats a shape as <c>[1,-1,28]</c>.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        var builder = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append(']').ToString();
    }

    /// <summary>Whether two shapes are equal dimension by dimension.</summary>
    public static bool SequenceEqual(long[]? left, long[]? right) =>
        ReferenceEquals(left, right) || (left is not null && right is not null && left.AsSpan().SequenceEqual(right));

    /// <summary>
    /// Resolves a declared shape (with at most one <c>-1</c>) against an element count.
    /// Returns <paramref name="declared"/> itself when it has no unknown dimension and matches, so a fixed shape costs nothing;
    /// reuses <paramref name="cache"/> when it already holds the resolved shape. Returns null when the count cannot fit.
    /// </summary>
    public static long[]? Resolve(long[] declared, long elementCount, ref long[]? cache)
    {
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < declared.Length; i++)
        {
            long dim = declared[i];
            if (dim < 0)
            {
                if (unknown >= 0)
                {
                    return null;
                }

                unknown = i;
            }
            else
            {
                known = checked(known * dim);
            }
        }

        if (unknown < 0)
        {
            return known == elementCount ? declared : null;
        }

        if (known == 0 ? elementCount != 0 : elementCount % known != 0)
        {
            return null;
        }

        long inferred = known == 0 ? 0 : elementCount / known;
        if (cache is { } cached && cached.Length == declared.Length && cached[unknown] == inferred)
        {
            bool same = true;
            for (int i = 0; i < declared.Length && same; i++)
            {
                same = i == unknown || cached[i] == declared[i];
            }

            if (same)
            {
                return cached;
            }
        }

        var resolved = (long[])declared.Clone();
        resolved[unknown] = inferred;
        cache = resolved;
        return resolved;
    }

    /// <summary>Whether an actual shape satisfies a declared one (same rank; equal where the declared dimension is fixed).</summary>
    public static bool Matches(ReadOnlySpan<long> declared, ReadOnlySpan<long> actual)
    {
        if (declared.Length != actual.Length)
        {
            return false;
        }

        for (int i = 0; i < declared.Length; i++)
        {
            if (declared[i] >= 0 && declared[i] != actual[i])
            {
                return false;
            }
        }

        return true;
    }
}
