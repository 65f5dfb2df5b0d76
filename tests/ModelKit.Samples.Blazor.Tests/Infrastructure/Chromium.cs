using ModelKit.Testing;

namespace ModelKit.Samples.Blazor.Tests.Infrastructure;

/// <summary>Debian's Chromium, which the browser tests drive (never a downloaded browser).</summary>
public static class Chromium
{
    /// <summary>Where the tests expect it (<c>apt-get install chromium</c>); <c>MODELKIT_CHROMIUM</c> overrides.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("MODELKIT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>The executable's path; skips the test when it is missing, fails it under <c>CI=true</c>.</summary>
    public static string Require()
    {
        if (File.Exists(ExecutablePath))
        {
            return ExecutablePath;
        }

        string message = $"Chromium not found at {ExecutablePath}: install it with `apt-get install chromium` (.ci/run does) to run the browser tests.";
        if (SharedData.IsCI)
        {
            throw new InvalidOperationException(message + " Under CI=true the browser tests must run.");
        }

        throw new SkipException(message + " Skipping.");
    }
}
