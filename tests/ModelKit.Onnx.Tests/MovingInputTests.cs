using ModelKit.Binding;

namespace ModelKit.Onnx.Tests;

/// <summary>
/// The ordinary path: a new input array on every call. Each call must see its own values (the runner copies small moved inputs
/// into a buffer that stays bound), and a caller that keeps one array or alternates between arrays gets the right answers too.
/// </summary>
[Collection(AllocationSensitive.Name)]
public sealed class MovingInputTests
{
    private static OperationDescriptor SingleRow() => Ops.Operation("ILinear", "Predict",
        [Ops.Input<float>("x", [1, 4])], [Ops.Output<float>("y", [1, 3])]);

    private static float[] Row(int k) => [k % 7, -(k % 5), k * 0.25f, 1 + k];

    [Fact]
    public void A_new_array_per_call_an_array_reused_and_arrays_alternating_each_get_their_own_answer()
    {
        using var backend = TestModels.Load(TestModels.Linear(dynamicBatch: false), "linear-moving");
        using var runner = backend.Bind(SingleRow());
        var kept = Row(100);
        var alternating = new[] { Row(200), Row(300) };
        for (int k = 0; k < 40; k++)
        {
            var fresh = Row(k);
            Assert.Equal(TestModels.LinearReference(fresh), Run(runner, fresh));

            // The kept array, written in place between calls (same address, new contents).
            kept[0] = k;
            Assert.Equal(TestModels.LinearReference(kept), Run(runner, kept));

            var other = alternating[k % 2];
            Assert.Equal(TestModels.LinearReference(other), Run(runner, other));
        }
    }

    [Fact]
    public void Once_warm_a_new_array_per_call_allocates_nothing_in_the_runner()
    {
        using var backend = TestModels.Load(TestModels.Linear(dynamicBatch: false), "linear-moving-alloc");
        using var runner = backend.Bind(SingleRow());
        var inputs = Enumerable.Range(0, 64).Select(Row).ToArray();
        var output = new float[3];
        for (int k = 0; k < 64; k++)
        {
            Ops.RunInto(runner, inputs[k], output); // warm: pools, bound values, staging buffers, JIT tiers
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 64; k++)
        {
            Ops.RunInto(runner, inputs[k], output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(TestModels.LinearReference(inputs[63]), output);
        Assert.True(allocated == 0, $"64 calls, each with another input array, allocated {allocated} B");
    }

    private static float[] Run(OperationRunner runner, float[] x)
    {
        var call = runner.Rent();
        try
        {
            call.SetInput(0, x);
            runner.Run(call);
            return call.GetArray<float>(0);
        }
        finally
        {
            runner.Return(call);
        }
    }
}

/// <summary>
/// Tests that count the bytes their thread allocates run alone: a metrics or trace listener another test attaches records on
/// the calling thread, and would be counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationSensitive
{
    public const string Name = "Allocation-sensitive (not in parallel)";
}
