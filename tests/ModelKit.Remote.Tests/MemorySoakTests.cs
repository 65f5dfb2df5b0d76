using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ModelKit.Remote.Tests;

/// <summary>
/// Memory stays flat over many in-process calls through a generated client (ONNX Runtime): managed heap and working set are
/// measured after a warm-up and after the calls, and printed. CI runs 200,000 calls; set <c>MODELKIT_SOAK_CALLS</c> (e.g.
/// 1000000 or more) for the long form.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class MemorySoakTests(ITestOutputHelper output)
{
    [Fact]
    public void Memory_stays_flat_over_many_in_process_calls()
    {
        long calls = long.TryParse(Environment.GetEnvironmentVariable("MODELKIT_SOAK_CALLS"), NumberStyles.None, CultureInfo.InvariantCulture, out long asked) && asked > 0
            ? asked
            : 200_000;
        using var repository = new TempRepository().Add("add", 1, ClientFaultTests.AddModel());
        using var services = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:add:Path"] = Path.Combine(repository.Root, "add", "1", "model.onnx"),
            ["ModelKit:Models:add:IntraOpThreads"] = "1",
        }, kit => kit.AddModel<IAdd>());
        var add = services.GetRequiredService<IAdd>();
        float[] a = [1f, 2f, 3f, 4f];
        float[] b = [10f, 20f, 30f, 40f];

        for (int i = 0; i < 5_000; i++)
        {
            add.Sum(a, b);
        }

        var (heapBefore, workingSetBefore) = Measure();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        for (long i = 0; i < calls; i++)
        {
            a[0] = i & 1023;
            var y = add.Sum(a, b);
            if (y[0] != a[0] + 10f)
            {
                Assert.Fail($"call {i}: {y[0]} for {a[0]} + 10");
            }
        }

        stopwatch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var (heapAfter, workingSetAfter) = Measure();
        string report = string.Create(CultureInfo.InvariantCulture,
            $"memory soak: {calls:N0} in-process calls in {stopwatch.Elapsed.TotalSeconds:F1} s ({calls / stopwatch.Elapsed.TotalSeconds:N0}/s), "
            + $"{(double)allocated / calls:F0} B allocated per call (result array included); managed heap {heapBefore / 1024.0 / 1024:F1} → {heapAfter / 1024.0 / 1024:F1} MiB, "
            + $"working set {workingSetBefore / 1024.0 / 1024:F1} → {workingSetAfter / 1024.0 / 1024:F1} MiB");
        output.WriteLine(report);
        Console.WriteLine(report);

        // Flat: what a million calls leave behind is noise, not a per-call leak (1 B per call would be ~1 MiB per million).
        Assert.True(heapAfter - heapBefore < 4 * 1024 * 1024, report);
        Assert.True(workingSetAfter - workingSetBefore < 64 * 1024 * 1024, report);
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}

/// <summary>Runs alone, after the parallel tests, so that other tests' memory does not count in the soak's figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Memory soak (not parallel)";
}
