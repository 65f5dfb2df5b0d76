using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Xunit;

namespace ModelKit.Testing;

/// <summary>A real <c>modelkit</c> process (the built CLI, run with <c>dotnet</c>; a test project references the CLI with
/// <c>ReferenceOutputAssembly="false"</c> so it is built), its output collected.</summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    /// <summary>The CLI as built beside this test assembly's configuration (src/ModelKit.Cli/bin/&lt;configuration&gt;/net10.0).</summary>
    public static string CliPath
    {
        get
        {
            string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0/
            string path = Path.Combine(SharedData.RepoRoot, "src", "ModelKit.Cli", "bin", configuration, "net10.0", "ModelKit.Cli.dll");
            Assert.True(File.Exists(path), $"The CLI is not built at {path}.");
            return path;
        }
    }

    /// <summary>Starts <c>modelkit &lt;arguments&gt;</c> with <paramref name="environment"/> added to this process's environment.</summary>
    public static ServeProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliPath);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new ServeProcess(Process.Start(info)!);
    }

    /// <summary>A free loopback TCP port.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends SIGTERM, as Kubernetes does when it stops a pod.</summary>
    public void Terminate() => Assert.True(Kill(_process.Id, SigTerm) == 0, $"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits for <paramref name="url"/> to answer 200, failing with the process's output if it exits or takes too long.</summary>
    public async Task WaitForOkAsync(HttpClient http, string url, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            Assert.False(_process.HasExited, $"modelkit serve exited ({(_process.HasExited ? _process.ExitCode : 0)}):\n{Output}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(Stopwatch.GetTimestamp() < deadline, $"{url} did not answer 200 within {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Runs <c>modelkit &lt;arguments&gt;</c> to its end; returns its exit code and output (stdout and stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(arguments, environment);
        int code = await process.WaitForExitAsync(timeout);
        return (code, process.Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
