namespace ModelKit.Benchmarks;

/// <summary>
/// A quick look at bytes allocated per call on the README's path (no BenchmarkDotNet run): the benchmarks of
/// <see cref="MnistUserPath"/> called 20,000 times each after warm-up, measured with the thread's allocation counter.
/// </summary>
internal static class AllocationProbe
{
    public static int Run()
    {
        var bench = new MnistUserPath();
        bench.Setup();
        try
        {
            Measure("new array per call (caller's array included)", () => bench.NewArrayPerCall());
            Measure("different array each call", () => bench.DifferentArrayEachCall());
            Measure("same array reused", () => bench.SameArray());
            if (Environment.GetEnvironmentVariable("MODELKIT_ALLOC_TYPES") == "1")
            {
                using var sampler = new AllocationSampler();
                Measure("same array reused (sampled)", () => bench.SameArray());
                Measure("different array each call (sampled)", () => bench.DifferentArrayEachCall());
                foreach (var (type, count) in sampler.Types.OrderByDescending(static t => t.Value))
                {
                    Console.WriteLine($"  {count,6} {type}");
                }
            }

            return 0;
        }
        finally
        {
            bench.Cleanup();
        }
    }

    private static void Measure(string name, Func<object> call)
    {
        const int Calls = 20_000;
        for (int i = 0; i < 2_000; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++)
        {
            call();
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Console.WriteLine($"{name}: {(double)bytes / Calls:F1} B per call");
    }
}

/// <summary>Samples allocations (the runtime's AllocationTick event, about one per 100 KB) and counts them by type.</summary>
internal sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, int> _types = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Types
    {
        get
        {
            lock (_types)
            {
                return new Dictionary<string, int>(_types);
            }
        }
    }

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName is "GCAllocationTick_V4" or "GCAllocationTick_V3" && e.PayloadNames is { } names)
        {
            string type = e.Payload![names.IndexOf("TypeName")] as string ?? "?";
            lock (_types)
            {
                _types[type] = _types.GetValueOrDefault(type) + 1;
            }
        }
    }
}
