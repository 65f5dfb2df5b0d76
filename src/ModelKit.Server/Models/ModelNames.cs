using System.Globalization;

namespace ModelKit.Server;

/// <summary>Validation of model names and versions that come from URLs, messages and folder names, so none escapes the repository.</summary>
public static class ModelNames
{
    /// <summary>Longest accepted model name.</summary>
    public const int MaxLength = 128;

    /// <summary>
    /// Whether <paramref name="name"/> is a valid model name: 1–128 characters of ASCII letters, digits, <c>_</c>, <c>-</c> and
    /// <c>.</c>, starting with a letter or digit, with no <c>..</c>.
    /// </summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || !char.IsAsciiLetterOrDigit(name[0]) || name.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses a numeric version (1–18 ASCII digits); false for anything else.</summary>
    public static bool TryParseVersion(string? version, out long number)
    {
        number = 0;
        if (string.IsNullOrEmpty(version) || version.Length > 18)
        {
            return false;
        }

        foreach (char c in version)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>A child folder of <paramref name="root"/>, or null when the result would leave it.</summary>
    internal static string? ChildPath(string root, string child)
    {
        string rootFull = Path.GetFullPath(root);
        string full = Path.GetFullPath(Path.Combine(rootFull, child));
        string prefix = rootFull.EndsWith(Path.DirectorySeparatorChar) ? rootFull : rootFull + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, StringComparison.Ordinal) && full.Length > prefix.Length ? full : null;
    }
}
