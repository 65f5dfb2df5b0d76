namespace ModelKit.Acquisition;

/// <summary>
/// The one folder where ModelKit keeps what it obtains: npm model packages (<c>&lt;root&gt;/&lt;package&gt;-&lt;version&gt;</c>), models
/// extracted from NuGet packages (<c>&lt;root&gt;/models/&lt;source&gt;/&lt;version&gt;</c>) and the samples' files. The root is
/// <c>MODELKIT_CACHE</c> when set; else <c>.cache</c> in a ModelKit checkout (the nearest folder above the application holding
/// <c>ModelKit.sln</c>, so a clone's tests, samples and CLI share one git-ignored cache); else <c>modelkit</c> in the user's local
/// application data (<c>~/.local/share/modelkit</c> on Linux, <c>%LOCALAPPDATA%\modelkit</c> on Windows).
/// </summary>
public static class ModelKitCache
{
    /// <summary>The environment variable that overrides the root.</summary>
    public const string EnvironmentVariable = "MODELKIT_CACHE";

    /// <summary>The cache root for this process (see the type's remarks); read each time, so a changed variable applies.</summary>
    public static string Root =>
        Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory,
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify));

    /// <summary>The root from the variable's value, the application's folder and the user's local application data folder.</summary>
    internal static string Resolve(string? fromEnvironment, string applicationDirectory, string? localApplicationData)
    {
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(applicationDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelKit.sln")))
            {
                return Path.Combine(dir.FullName, ".cache");
            }
        }

        return string.IsNullOrEmpty(localApplicationData)
            ? Path.Combine(Path.GetTempPath(), "modelkit-cache")
            : Path.Combine(localApplicationData, "modelkit");
    }
}
