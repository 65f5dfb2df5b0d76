using Xunit;

namespace ModelKit.Testing;

/// <summary>
/// Locates the developers' data folder (<c>../shared</c> beside the checkout). Tests that need it call
/// <see cref="Require"/>: it skips with a clear message when the folder is absent, and fails under <c>CI=true</c>.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> LazyRoot = new(FindRoot);

    /// <summary>The repository root (the folder holding ModelKit.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder, or null when absent.</summary>
    public static string? Root => LazyRoot.Value;

    /// <summary>Whether the tests run under CI (<c>CI=true</c>).</summary>
    public static bool IsCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The full path of <paramref name="relativePath"/> inside the shared folder. Skips the test when it is missing,
    /// or fails it under CI.
    /// </summary>
    public static string Require(string relativePath)
    {
        string? root = Root;
        string? path = root is null ? null : Path.Combine(root, relativePath);
        if (path is not null && (File.Exists(path) || Directory.Exists(path)))
        {
            return path;
        }

        string message = $"Shared test data '{relativePath}' not found (looked in {(root ?? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared")))}; set MODELKIT_SHARED to override).";
        if (IsCI)
        {
            throw new InvalidOperationException(message + " Under CI=true the shared data must be present.");
        }

        throw new SkipException(message + " Skipping.");
    }

    private static string? FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("MODELKIT_SHARED");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        string candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelKit.sln")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        return Directory.GetCurrentDirectory();
    }
}
