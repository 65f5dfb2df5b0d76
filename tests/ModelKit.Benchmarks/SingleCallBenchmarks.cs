using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Benchmarks;

/// <summary>One MNIST CNN call (../shared/models/mnist.onnx): ModelKit's generated client against hand-written ONNX Runtime and ML.NET.</summary>
[MemoryDiagnoser]
public class MnistSingleCall
{
    private readonly float[] _logits = new float[10];
    private ServiceProvider _services = null!;
    private IMnistBench _client = null!;
    private OrtBaselines _ort = null!;
    private MlNetBaseline<MnistMlInput, MnistMlOutput> _mlnet = null!;
    private MnistMlInput _mlInput = null!;
    private float[] _pixels = null!;

    [GlobalSetup]
    public void Setup()
    {
        string path = BenchmarkModels.Shared("mnist.onnx");
        _pixels = new float[784];
        var random = new Random(7);
        for (int i = 0; i < _pixels.Length; i++)
        {
            _pixels[i] = random.Next(256);
        }

        _ort = new OrtBaselines(path, [_pixels], [[1, 1, 28, 28]], [new float[10]], [[1, 10]]);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IMnistBench>(model => model.Path = path));
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<IMnistBench>();
        _mlnet = new MlNetBaseline<MnistMlInput, MnistMlOutput>(path, ["Input3"], ["Plus214_Output_0"], new Dictionary<string, int[]> { ["Input3"] = [1, 1, 28, 28] });
        _mlInput = new MnistMlInput { Pixels = _pixels };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _ort.Dispose();
        _mlnet.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ORT optimal (IoBinding, pre-allocated)")]
    public void OrtOptimal() => _ort.RunWithBinding();

    [Benchmark(Description = "ORT Run(OrtValue[])")]
    public void OrtOrtValues() => _ort.RunWithOrtValues();

    [Benchmark(Description = "ORT typical (NamedOnnxValue)")]
    public float OrtTypical() => _ort.RunTypical();

    [Benchmark(Description = "ML.NET PredictionEngine")]
    public float MlNet() => _mlnet.Predict(_mlInput).Logits[0];

    [Benchmark(Description = "ModelKit generated (Memory in/out)")]
    public void ModelKitPreallocated() => _client.Predict(_pixels, _logits);

    [Benchmark(Description = "ModelKit generated (returns float[])")]
    public float[] ModelKitNewArray() => _client.Classify(_pixels);
}

/// <summary>One call of a tiny model (y = a + b on [1,16] floats): the per-call overhead of each API, compute nearly nil.</summary>
[MemoryDiagnoser]
public class TinyModelSingleCall
{
    private readonly float[] _a = new float[16];
    private readonly float[] _b = new float[16];
    private readonly float[] _y = new float[16];
    private ServiceProvider _services = null!;
    private ITinyAdd _client = null!;
    private PreparedCall _prepared = null!;
    private OrtBaselines _ort = null!;
    private MlNetBaseline<AddMlInput, AddMlOutput> _mlnet = null!;
    private AddMlInput _mlInput = null!;

    [GlobalSetup]
    public void Setup()
    {
        string path = BenchmarkModels.TinyAdd();
        for (int i = 0; i < 16; i++)
        {
            _a[i] = i;
            _b[i] = 2 * i;
        }

        _ort = new OrtBaselines(path, [_a, _b], [[1, 16], [1, 16]], [new float[16]], [[1, 16]]);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<ITinyAdd>(model => model.Path = path));
        _services = services.BuildServiceProvider();
        _client = _services.GetRequiredService<ITinyAdd>();
        _prepared = _client.PrepareAdd(_a, _b, _y);
        _mlnet = new MlNetBaseline<AddMlInput, AddMlOutput>(path, ["a", "b"], ["y"], new Dictionary<string, int[]> { ["a"] = [1, 16], ["b"] = [1, 16] });
        _mlInput = new AddMlInput { A = _a, B = _b };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prepared.Dispose();
        _services.Dispose();
        _ort.Dispose();
        _mlnet.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ORT optimal (IoBinding, pre-allocated)")]
    public void OrtOptimal() => _ort.RunWithBinding();

    [Benchmark(Description = "ORT Run(OrtValue[])")]
    public void OrtOrtValues() => _ort.RunWithOrtValues();

    [Benchmark(Description = "ORT typical (NamedOnnxValue)")]
    public float OrtTypical() => _ort.RunTypical();

    [Benchmark(Description = "ML.NET PredictionEngine")]
    public float MlNet() => _mlnet.Predict(_mlInput).Y[0];

    [Benchmark(Description = "ModelKit generated (Memory in/out)")]
    public void ModelKitPreallocated() => _client.Add(_a, _b, _y);

    [Benchmark(Description = "ModelKit prepared call (bound once, kept by the caller)")]
    public void ModelKitPrepared() => _prepared.Run();
}
