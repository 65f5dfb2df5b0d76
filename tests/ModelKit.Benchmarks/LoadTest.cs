using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Benchmarks;

/// <summary>
/// A fixed-duration load test: N concurrent async callers of the weight-bound MLP, unbatched vs. dynamic batching.
/// Prints throughput and p50/p90/p99 latency. Run: <c>dotnet run -c Release --project tests/ModelKit.Benchmarks -- load</c>.
/// </summary>
public static class LoadTest
{
    public static async Task<int> RunAsync(string[] args)
    {
        int concurrency = IntArg(args, "--concurrency", 64);
        double seconds = IntArg(args, "--duration", 10);
        int threads = IntArg(args, "--intra-op", 2);
        int maxBatch = IntArg(args, "--max-batch", 32);
        string path = BenchmarkModels.WideMlp();
        Console.WriteLine($"Model: MLP 784→2048→2048→10 ({new FileInfo(path).Length / 1e6:F1} MB), {concurrency} concurrent callers, {seconds} s each, IntraOpThreads={threads}");
        Console.WriteLine($"| mode | calls/s | p50 ms | p90 ms | p99 ms |");
        Console.WriteLine($"| --- | ---: | ---: | ---: | ---: |");
        foreach (bool batching in new[] { false, true })
        {
            var result = await MeasureAsync(path, batching, concurrency, TimeSpan.FromSeconds(seconds), threads, maxBatch);
            Console.WriteLine($"| {(batching ? $"dynamic batching (max {maxBatch}, delay 2 ms)" : "unbatched")} | {result.Throughput:F0} | {result.P50:F2} | {result.P90:F2} | {result.P99:F2} |");
        }

        return 0;
    }

    public static async Task<LoadResult> MeasureAsync(string path, bool batching, int concurrency, TimeSpan duration, int intraOpThreads, int maxBatch)
    {
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IWideMlp>(model =>
        {
            model.Path = path;
            model.IntraOpThreads = intraOpThreads;
            model.Batching = batching ? new BatchingOptions { MaxBatchSize = maxBatch, MaxQueueDelay = TimeSpan.FromMilliseconds(2), MaxQueueSize = 4096 } : null;
        }));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IWideMlp>();
        var input = new float[784];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (i % 17) / 17f;
        }

        // Warm up.
        var warm = new float[10];
        for (int i = 0; i < 20; i++)
        {
            await client.PredictAsync(input, warm, CancellationToken.None);
        }

        var latencies = new List<double>[concurrency];
        var stopwatch = Stopwatch.StartNew();
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            var list = latencies[w] = new List<double>(100_000);
            workers[w] = Task.Run(async () =>
            {
                var scores = new float[10];
                while (stopwatch.Elapsed < duration)
                {
                    long start = Stopwatch.GetTimestamp();
                    await client.PredictAsync(input, scores, CancellationToken.None);
                    list.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            });
        }

        await Task.WhenAll(workers);
        double elapsed = stopwatch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(static l => l).OrderBy(static l => l).ToArray();
        return new LoadResult(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private static int IntArg(string[] args, string name, int fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], out int value) ? value : fallback;
    }
}

public readonly record struct LoadResult(double Throughput, double P50, double P90, double P99);
