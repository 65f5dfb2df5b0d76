using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelKit.Samples.Blazor.Tests.Infrastructure;

/// <summary>The Blazor sample running as its own process on a loopback port chosen by the OS, as `dotnet run` would start it.</summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AppProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The address the app printed.</summary>
    public string Url { get; }

    /// <summary>Everything the app printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The app's build output (the test project builds it through its project reference).</summary>
    public static string AppPath { get; } = Path.GetFullPath(typeof(AppProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(static a => a.Key == "BlazorAppPath").Value!);

    /// <summary>Starts the app with extra configuration (<c>--Key=Value</c> arguments) and waits until it prints its URL.</summary>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> configuration, TimeSpan timeout)
    {
        if (!File.Exists(AppPath))
        {
            throw new FileNotFoundException($"The Blazor sample is not built at {AppPath}.", AppPath);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AppPath)!,
        };
        start.ArgumentList.Add(AppPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var (key, value) in configuration)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (OpenLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync().ContinueWith(_ => listening.TrySetException(new InvalidOperationException($"The app exited with code {process.ExitCode} before listening:\n{output}")), TaskScheduler.Default);

        try
        {
            string url = await listening.Task.WaitAsync(timeout);
            var app = new AppProcess(process, url);
            process.OutputDataReceived += (_, e) => app.Append(e.Data);
            process.ErrorDataReceived += (_, e) => app.Append(e.Data);
            lock (output)
            {
                app.Append(output.ToString());
            }

            return app;
        }
        catch (TimeoutException)
        {
            Kill(process);
            throw new TimeoutException($"The app did not print its URL within {timeout.TotalSeconds:F0} s:\n{output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Append(string? text)
    {
        if (text is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(text);
        }
    }

    // The sample's own line: "ModelKit Blazor sample: open http://127.0.0.1:PORT in a browser …"
    [GeneratedRegex(@"ModelKit Blazor sample: open (http://\S+) in a browser")]
    private static partial Regex OpenLine();
}
