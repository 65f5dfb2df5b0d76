using System.Diagnostics;
using ModelKit.Testing;

namespace ModelKit.Audio.Tests;

/// <summary>
/// Runs the Debian tools the tests make their audio with (<c>espeak-ng</c>, <c>sox</c>; .ci/run installs them). A missing tool
/// skips the test with a clear message, or fails it under <c>CI=true</c>.
/// </summary>
internal static class ExternalTools
{
    public static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            string message = $"'{tool}' is not installed (apt-get install espeak-ng sox).";
            if (SharedData.IsCI)
            {
                throw new InvalidOperationException(message + " Under CI=true it must be present.");
            }

            throw new SkipException(message + " Skipping.");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            _ = stdout.Result;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr}");
            }
        }
    }

    /// <summary>A fresh temporary folder for one test's files.</summary>
    public static string TempFolder(string name)
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelkit-audio-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
