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
    private readonly string _repository = Path.Combine(Path.GetTempPath(), $"modelkit-bench-vad-{Environment.ProcessId}");
    private LoopbackServer _server = null!;
    private ServiceProvider _provider = null!;
    private VoiceActivityDetector _detector = null!;
    private float[] _audio = [];

    [Params("rest-binary", "grpc")]
    public string Protocol { get; set; } = "rest-binary";

    [Params(1, 8)]
    public int Streams { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        SileroVadModels.WriteServableAsync(_repository).GetAwaiter().GetResult();
        _server = LoopbackServer.Start(static _ => { }, o => o.RepositoryPath = _repository);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddRemote().AddModel(SileroVadModels.ModelName, o =>
        {
            o.Endpoint = Protocol == "grpc" ? _server.Grpc : _server.Rest;
            o.Protocol = Protocol;
        }));
        _provider = services.BuildServiceProvider();
        var backend = (ISequenceBackend)_provider.GetRequiredService<ModelRegistry>().GetBackend(SileroVadModels.ModelName);
        _detector = VoiceActivityDetector.ForSequences(backend);
        _audio = VadStream.TenSeconds();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _server.Dispose();
        Directory.Delete(_repository, recursive: true);
    }

    [Benchmark(Description = "VAD over server-side sequences: 10 s of 16 kHz audio per stream")]
    public async Task<int> TenSecondsPerStream()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => VadStream.CountSegmentsAsync(_detector, _audio)));
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
    private readonly string _repository = Path.Combine(Path.GetTempPath(), $"modelkit-bench-vadframe-{Environment.ProcessId}");
    private LoopbackServer _server = null!;
    private ServiceProvider _provider = null!;
    private VoiceActivityDetector _detector = null!;
    private float[] _audio = [];

    [Params("rest-binary", "rest-json", "grpc")]
    public string Protocol { get; set; } = "rest-binary";

    [GlobalSetup]
    public void Setup()
    {
        SileroVadModels.WriteServableAsync(_repository).GetAwaiter().GetResult();
        _server = LoopbackServer.Start(static _ => { }, o => o.RepositoryPath = _repository);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddRemote().AddModel(SileroVadModels.ModelName, o =>
        {
            o.Endpoint = Protocol == "grpc" ? _server.Grpc : _server.Rest;
            o.Protocol = Protocol;
        }));
        _provider = services.BuildServiceProvider();
        var backend = (ISequenceBackend)_provider.GetRequiredService<ModelRegistry>().GetBackend(SileroVadModels.ModelName);
        _detector = VoiceActivityDetector.ForSequences(backend);
        _audio = VadStream.TenSeconds();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _server.Dispose();
        Directory.Delete(_repository, recursive: true);
    }

    [Benchmark(Description = "VAD over a server-side sequence, per 32 ms frame", OperationsPerInvoke = Frames)]
    public Task<int> PerFrame() => VadStream.CountSegmentsAsync(_detector, _audio);
}
