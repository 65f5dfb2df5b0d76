using System.Globalization;
using Xunit;

namespace ModelKit.Testing;

/// <summary>
/// The commands a user types, as real processes: <c>modelkit pull &lt;source&gt; &lt;repo&gt;</c> into a temporary repository, then
/// <c>modelkit serve &lt;repo&gt;</c> on a free loopback port, waited for until the pulled model is ready. Disposing stops the server
/// and deletes the repository.
/// </summary>
public sealed class PulledServer : IDisposable
{
    /// <summary>How long pulling and starting may take (a first pull restores packages).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly TempRepository _repository;

    private PulledServer(TempRepository repository, string pullOutput, ServeProcess process, int port)
    {
        _repository = repository;
        PullOutput = pullOutput;
        Process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The repository folder the model was pulled into.</summary>
    public string Repository => _repository.Root;

    /// <summary>What <c>modelkit pull</c> printed.</summary>
    public string PullOutput { get; }

    /// <summary>The <c>modelkit serve</c> process.</summary>
    public ServeProcess Process { get; }

    /// <summary>The server's HTTP port.</summary>
    public int Port { get; }

    /// <summary>The server's base address, <c>http://127.0.0.1:{port}</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>A client of the server's HTTP port (base address ends with <c>/</c>).</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Pulls <paramref name="source"/> (asserting exit 0 and that <paramref name="expectedFile"/>, relative to the repository, was
    /// written), serves the repository (gRPC off) and waits for <c>v2/models/{source}/ready</c>.
    /// </summary>
    public static async Task<PulledServer> StartAsync(string source, string expectedFile)
    {
        var repository = new TempRepository();
        ServeProcess? process = null;
        try
        {
            var (pulled, pullOutput) = await ServeProcess.RunAsync(["pull", source, repository.Root], Timeout);
            Assert.True(pulled == 0, pullOutput);
            Assert.True(File.Exists(Path.Combine(repository.Root, expectedFile)), pullOutput);

            int port = ServeProcess.FreePort();
            process = ServeProcess.Start(["serve", repository.Root, "--port", port.ToString(CultureInfo.InvariantCulture), "--grpc-port", "0"]);
            var server = new PulledServer(repository, pullOutput, process, port);
            try
            {
                await process.WaitForOkAsync(server.Http, $"v2/models/{source}/ready", Timeout);
                return server;
            }
            catch
            {
                server.Http.Dispose();
                throw;
            }
        }
        catch
        {
            process?.Dispose();
            repository.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
        _repository.Dispose();
    }
}
