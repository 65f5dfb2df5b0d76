using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio.Vad;
using ModelKit.Remote;

namespace ModelKit.Benchmarks;

/// <summary>
/// Bytes allocated per 32 ms VAD frame over server-side sequences, client and server apart (no BenchmarkDotNet run): the server
/// runs in a child process (this program with <c>vad-alloc-server</c>), so each side's <see cref="GC.GetTotalAllocatedBytes(bool)"/>
/// delta is its own. The client is <see cref="VoiceActivityDetector.ForSequences"/> over the 10 s stream of <see cref="VadStream"/>,
/// one stream after another, per protocol. <c>MODELKIT_ALLOC_TYPES=1</c> also samples allocations by type on both sides.
/// <code>dotnet run -c Release --project tests/ModelKit.Benchmarks -- vad-alloc [streams]</code>
/// </summary>
internal static class VadAllocationProbe
{
    private const int FramesPerStream = 313; // 160,000 samples / 512, the last frame padded

    public static async Task<int> RunAsync(string[] args)
    {
        int streams = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        bool types = Environment.GetEnvironmentVariable("MODELKIT_ALLOC_TYPES") == "1";
        string repository = Path.Combine(Path.GetTempPath(), $"modelkit-vad-alloc-{Environment.ProcessId}");
        await SileroVadModels.WriteServableAsync(repository);
        using var server = StartServer(repository);
        try
        {
            string[] endpoints = (await server.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server process did not start")).Split(' ');
            var audio = VadStream.TenSeconds();
            Console.WriteLine($"{streams} streams of 10 s ({streams * FramesPerStream} frames) per protocol, one after another; bytes per 32 ms frame:");
            foreach (string protocol in new[] { "rest-binary", "rest-json", "grpc" })
            {
                var services = new ServiceCollection();
                services.AddModelKit(kit => kit.AddRemote().AddModel(SileroVadModels.ModelName, o =>
                {
                    o.Endpoint = protocol == "grpc" ? endpoints[1] : endpoints[0];
                    o.Protocol = protocol;
                }));
                await using var provider = services.BuildServiceProvider();
                var backend = (ISequenceBackend)provider.GetRequiredService<ModelRegistry>().GetBackend(SileroVadModels.ModelName);
                var detector = VoiceActivityDetector.ForSequences(backend);
                for (int i = 0; i < 3; i++)
                {
                    await VadStream.CountSegmentsAsync(detector, audio); // warm-up: JIT, connections, tiering
                }

                using var sampler = types ? new AllocationSampler() : null;
                long serverBefore = await ServerBytesAsync(server, types ? "reset" : "bytes");
                long clientBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < streams; i++)
                {
                    await VadStream.CountSegmentsAsync(detector, audio);
                }

                watch.Stop();
                long client = GC.GetTotalAllocatedBytes(precise: true) - clientBefore;
                long serverBytes = await ServerBytesAsync(server, "bytes") - serverBefore;
                double frames = streams * FramesPerStream;
                Console.WriteLine($"  {protocol,-11}: client {client / frames,8:F0} B   server {serverBytes / frames,8:F0} B   total {(client + serverBytes) / frames,8:F0} B   {watch.Elapsed.TotalMilliseconds * 1000 / frames,7:F0} us per frame");
                if (sampler is not null)
                {
                    Print("client", sampler.Types);
                    await server.StandardInput.WriteLineAsync("types");
                    string? line;
                    Console.WriteLine("    server (sampled, ~1 per 100 KB):");
                    while ((line = await server.StandardOutput.ReadLineAsync()) is { Length: > 0 })
                    {
                        Console.WriteLine(line);
                    }
                }
            }

            return 0;
        }
        finally
        {
            await server.StandardInput.WriteLineAsync("quit");
            if (!server.WaitForExit(10_000))
            {
                server.Kill();
            }

            Directory.Delete(repository, recursive: true);
        }
    }

    /// <summary>The child: a loopback server on <paramref name="args"/>[0]; prints its endpoints, then answers <c>bytes</c>, <c>reset</c>, <c>types</c>, <c>quit</c> on stdin.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        using var server = LoopbackServer.Start(static _ => { }, o => o.RepositoryPath = args[0]);
        AllocationSampler? sampler = null;
        Console.WriteLine($"{server.Rest} {server.Grpc}");
        string? command;
        while ((command = await Console.In.ReadLineAsync()) is not null and not "quit")
        {
            switch (command)
            {
                case "reset":
                    sampler?.Dispose();
                    sampler = new AllocationSampler();
                    goto case "bytes";
                case "bytes":
                    Console.WriteLine(GC.GetTotalAllocatedBytes(precise: true).ToString(CultureInfo.InvariantCulture));
                    break;
                case "types":
                    if (sampler is not null)
                    {
                        foreach (var (type, count) in sampler.Types.OrderByDescending(static t => t.Value).Take(25))
                        {
                            Console.WriteLine($"      {count,6} {type}");
                        }
                    }

                    Console.WriteLine();
                    break;
            }
        }

        sampler?.Dispose();
        return 0;
    }

    private static void Print(string side, IReadOnlyDictionary<string, int> types)
    {
        Console.WriteLine($"    {side} (sampled, ~1 per 100 KB):");
        foreach (var (type, count) in types.OrderByDescending(static t => t.Value).Take(25))
        {
            Console.WriteLine($"      {count,6} {type}");
        }
    }

    private static async Task<long> ServerBytesAsync(Process server, string command)
    {
        await server.StandardInput.WriteLineAsync(command);
        return long.Parse(await server.StandardOutput.ReadLineAsync() ?? "0", CultureInfo.InvariantCulture);
    }

    private static Process StartServer(string repository)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(VadAllocationProbe).Assembly.Location);
        }

        start.ArgumentList.Add("vad-alloc-server");
        start.ArgumentList.Add(repository);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the server process");
    }
}
