// One implementation of "did you mean" for build time and run time: compiled into ModelKit (run-time contract mismatches)
// and linked as a source file into ModelKit.Generators (netstandard2.0, MK3001/MK3002), so both suggest the same names.
using System;
using System.Collections.Generic;

namespace ModelKit.Binding
{
    /// <summary>Suggests the names closest to a misspelt tensor name.</summary>
    internal static class NameSuggestions
    {
        /// <summary>The most names suggested.</summary>
        public const int MaxSuggestions = 3;

        /// <summary>
        /// The candidates close to <paramref name="name"/>, closest first (ties in ordinal order), at most <see cref="MaxSuggestions"/>:
        /// those within an edit distance of max(2, longer length / 3), or containing it or contained in it, ignoring case.
        /// </summary>
        public static List<string> Closest(string name, IEnumerable<string> candidates)
        {
            var close = new List<KeyValuePair<int, string>>();
            foreach (string candidate in candidates)
            {
                int distance = Distance(name, candidate);
                int allowed = Math.Max(2, Math.Max(name.Length, candidate.Length) / 3);
                if (distance <= allowed
                    || candidate.IndexOf(name, StringComparison.OrdinalIgnoreCase) >= 0
                    || name.IndexOf(candidate, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    close.Add(new KeyValuePair<int, string>(distance, candidate));
                }
            }

            close.Sort(static (a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : string.CompareOrdinal(a.Value, b.Value));
            var names = new List<string>(Math.Min(close.Count, MaxSuggestions));
            for (int i = 0; i < close.Count && i < MaxSuggestions; i++)
            {
                names.Add(close[i].Value);
            }

            return names;
        }

        /// <summary>"'a' or 'b'": the names quoted, for a message.</summary>
        public static string Format(List<string> names)
        {
            var quoted = new string[names.Count];
            for (int i = 0; i < quoted.Length; i++)
            {
                quoted[i] = "'" + names[i] + "'";
            }

            return string.Join(" or ", quoted);
        }

        /// <summary>The Levenshtein distance between <paramref name="a"/> and <paramref name="b"/>, ignoring case (invariant culture).</summary>
        public static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                    current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                }

                var swap = previous;
                previous = current;
                current = swap;
            }

            return previous[b.Length];
        }
    }
}
