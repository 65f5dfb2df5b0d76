namespace ModelKit.Testing;

/// <summary>Edit distances for OCR accuracy figures (library tests and the samples' console and browser tests).</summary>
public static class TextMetrics
{
    public static int EditDistance<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (int j = 0; j <= b.Count; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Count; j++)
            {
                int cost = EqualityComparer<T>.Default.Equals(a[i - 1], b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Count];
    }

    /// <summary>1 − edit distance / length, white space ignored: character accuracy as the OCR issue defines it.</summary>
    public static double CharacterAccuracy(string expected, string actual)
    {
        string e = WithoutSpaces(expected);
        return 1 - (EditDistance(e.ToCharArray(), WithoutSpaces(actual).ToCharArray()) / (double)e.Length);
    }

    public static string WithoutSpaces(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));

    public static string[] WordsOf(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
