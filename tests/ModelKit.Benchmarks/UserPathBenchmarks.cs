using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Benchmarks;

/// <summary>
/// The path an app written from the README takes: <c>Predict(new DigitImage { Pixels = pixels })</c> returning a result object,
/// with a new pixel array per call and with one array reused, against optimal hand-written ONNX Runtime (pre-bound OrtValues
/// and IoBinding) in the same process.
/// </summary>
[MemoryDiagnoser]
public class MnistUserPath
{
    /// <summary>Distinct arrays taken in turn: every call sees an array at a new address, without the benchmark allocating it.</summary>
    private const int Ring = 16;
    private ServiceProvider _services = null!;
    private IDigitBench _client = null!;
    private OrtBaselines _ort = null!;
    private float[] _pixels = null!;
    private float[][] _ring = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        string path = BenchmarkModels.Shared("mnist.onnx");
        var random = new Random(7);
        _pixels = new float[784];
        for (int i = 0; i < _pixels.Length; i++)
        {
            _pixels[i] = random.Next(256);
        }

        _ring = Enumerable.Range(0, Ring).Select(_ => (float[])_pixels.Clone()).ToArray();
        _ort = new OrtBaselines(path, [_pixels], [[1, 1, 28, 28]], [new float[10]], [[1, 10]]);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IDigitBench>(model => model.Path = path));
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<IDigitBench>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _ort.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ORT optimal (IoBinding, pre-bound)")]
    public void OrtOptimal() => _ort.RunWithBinding();

    [Benchmark(Description = "Predict(new DigitImage), new array per call (the caller's 3,160 B array included)")]
    public DigitScoresBench NewArrayPerCall()
    {
        var pixels = new float[784];
        _pixels.CopyTo(pixels, 0);
        return _client.Predict(new DigitImageBench { Pixels = pixels });
    }

    [Benchmark(Description = "Predict(new DigitImage), a different array each call (caller's allocation excluded)")]
    public DigitScoresBench DifferentArrayEachCall()
    {
        var pixels = _ring[_next++ & (Ring - 1)];
        return _client.Predict(new DigitImageBench { Pixels = pixels });
    }

    [Benchmark(Description = "Predict(new DigitImage), same array reused")]
    public DigitScoresBench SameArray() => _client.Predict(new DigitImageBench { Pixels = _pixels });
}
