using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.Remote;

namespace ModelKit.Benchmarks;

/// <summary>
/// Connection pooling of the remote client (<see cref="RemoteClientOptions"/>): N concurrent async callers of the tiny Add model
/// on a loopback ModelKit server for a fixed time, per pooling setting; prints calls/s, p50/p99 and failures.
/// Run: <c>dotnet run -c Release --project tests/ModelKit.Benchmarks -- pooling --duration 5</c>.
/// </summary>
public static class PoolingLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = args.Length > 1 && args[0] == "--duration" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        string path = BenchmarkModels.TinyAdd();
        using var server = LoopbackServer.Start(kit => kit.AddModel("add", o => o.Path = path));
        (string Protocol, int Concurrency, string Setting, Action<RemoteClientOptions> Configure)[] cases =
        [
            ("rest-binary", 64, "MaxConnectionsPerServer unlimited (default)", static _ => { }),
            ("rest-binary", 64, "MaxConnectionsPerServer 16", static o => o.MaxConnectionsPerServer = 16),
            ("rest-binary", 64, "MaxConnectionsPerServer 4", static o => o.MaxConnectionsPerServer = 4),
            ("grpc", 256, "EnableMultipleHttp2Connections on (default)", static _ => { }),
            ("grpc", 256, "EnableMultipleHttp2Connections off", static o => o.EnableMultipleHttp2Connections = false),
        ];
        Console.WriteLine($"Tiny Add [1,16] on a loopback ModelKit server, {seconds} s per row");
        Console.WriteLine("| protocol | callers | setting | calls/s | p50 ms | p99 ms | failed |");
        Console.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var (protocol, concurrency, setting, configure) in cases)
        {
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddRemote(configure).AddModel("add", o =>
            {
                o.Endpoint = protocol == "grpc" ? server.Grpc : server.Rest;
                o.Protocol = protocol;
            }));
            await using var provider = services.BuildServiceProvider();
            using var client = new DynamicModelClient(provider.GetRequiredService<ModelRegistry>().GetBackend("add"));
            var (throughput, p50, p99, failed) = await MeasureAsync(client, concurrency, TimeSpan.FromSeconds(seconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {protocol} | {concurrency} | {setting} | {throughput:F0} | {p50:F2} | {p99:F2} | {failed} |"));
        }

        return 0;
    }

    private static async Task<(double Throughput, double P50, double P99, long Failed)> MeasureAsync(DynamicModelClient client, int concurrency, TimeSpan duration)
    {
        NamedTensor[] inputs = [new("a", TensorValue.Create(new float[16], 1, 16)), new("b", TensorValue.Create(new float[16], 1, 16))];
        for (int i = 0; i < 200; i++)
        {
            await client.RunAsync(inputs);
        }

        long failed = 0;
        var latencies = new List<double>[concurrency];
        var stop = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = new List<double>(4096);
            while (stop.Elapsed < duration)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    await client.RunAsync(inputs);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (RemoteInferenceException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })).ToArray();
        await Task.WhenAll(callers);
        double elapsed = stop.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(static l => l).Order().ToArray();
        return (all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)], failed);
    }
}
