using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio.Vad;
using ModelKit.Remote;

namespace ModelKit.Benchmarks;

/// <summary>
/// Silero VAD v5 over server-side sequences: a loopback ModelKit server serving the folder <c>modelkit pull silero-vad</c> writes
/// (state kept by the server, frames of concurrent streams batched across sequences), and <see cref="VoiceActivityDetector.ForSequences"/>
/// as the client (only audio on the wire). Each stream is the 10 s of 16 kHz audio of <see cref="VadBenchmarks"/> in 4,096-sample
/// chunks (313 frames); real-time factor = mean / (10 s × streams) when the streams run at once.
/// </summary>
[MemoryDiagnoser]
public class VadSequenceBenchmarks
{
    private VadSequenceServer _server = null!;
    private float[] _audio = [];

    [Params("rest-binary", "grpc")]
    public string Protocol { get; set; } = "rest-binary";

    [Params(1, 8)]
    public int Streams { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _server = VadSequenceServer.Start(Protocol);
        _audio = VadStream.TenSeconds();
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(Description = "VAD over server-side sequences: 10 s of 16 kHz audio per stream")]
    public async Task<int> TenSecondsPerStream()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => VadStream.CountSegmentsAsync(_server.Detector, _audio)));
        return counts.Sum();
    }
}

/// <summary>
/// One VAD stream over server-side sequences, per 32 ms frame: the 10 s stream of <see cref="VadStream"/> (313 frames) through
/// <see cref="VoiceActivityDetector.ForSequences"/> against a loopback server in this process, so the time and the bytes
/// BenchmarkDotNet reports are per frame (one request and its answer), client and server together. The <c>vad-alloc</c> command
/// of this program splits the bytes between client and server.
/// </summary>
[MemoryDiagnoser]
public class VadFrameBenchmarks
{
    private const int Frames = 313;
    private VadSequenceServer _server = null!;
    private float[] _audio = [];

    [Params("rest-binary", "rest-json", "grpc")]
    public string Protocol { get; set; } = "rest-binary";

    [GlobalSetup]
    public void Setup()
    {
        _server = VadSequenceServer.Start(Protocol);
        _audio = VadStream.TenSeconds();
    }

    [GlobalCleanup]
    public void Cleanup() => _server.Dispose();

    [Benchmark(Description = "VAD over a server-side sequence, per 32 ms frame", OperationsPerInvoke = Frames)]
    public Task<int> PerFrame() => VadStream.CountSegmentsAsync(_server.Detector, _audio);
}

/// <summary>
/// A loopback server serving the folder <c>modelkit pull silero-vad</c> writes, and a <see cref="VoiceActivityDetector.ForSequences"/>
/// client of it over one protocol (state kept by the server): the setup both sequence benchmarks share.
/// </summary>
internal sealed class VadSequenceServer : IDisposable
{
    private readonly string _repository;
    private readonly LoopbackServer _server;
    private readonly ServiceProvider _provider;

    private VadSequenceServer(string protocol)
    {
        _repository = Path.Combine(Path.GetTempPath(), $"modelkit-bench-vad-{protocol}-{Environment.ProcessId}");
        SileroVadModels.WriteServableAsync(_repository).GetAwaiter().GetResult();
        _server = LoopbackServer.Start(static _ => { }, o => o.RepositoryPath = _repository);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddRemote().AddModel(SileroVadModels.ModelName, o =>
        {
            o.Endpoint = protocol == "grpc" ? _server.Grpc : _server.Rest;
            o.Protocol = protocol;
        }));
        _provider = services.BuildServiceProvider();
        var backend = (ISequenceBackend)_provider.GetRequiredService<ModelRegistry>().GetBackend(SileroVadModels.ModelName);
        Detector = VoiceActivityDetector.ForSequences(backend);
    }

    public VoiceActivityDetector Detector { get; }

    public static VadSequenceServer Start(string protocol) => new(protocol);

    public void Dispose()
    {
        _provider.Dispose();
        _server.Dispose();
        Directory.Delete(_repository, recursive: true);
    }
}
