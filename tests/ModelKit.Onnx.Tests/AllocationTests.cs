using ModelKit.OnnxFormat;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>The pre-allocated path (same input array, SetOutput into caller memory) allocates nothing per call after warm-up.</summary>
[Collection(AllocationSensitive.Name)]
public sealed class AllocationTests
{
    [SkippableFact]
    public void Preallocated_mnist_calls_allocate_zero_bytes()
    {
        string path = SharedData.Require("models/mnist.onnx");
        using var backend = OnnxModelBackend.Load("mnist", path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        using var runner = backend.Bind(Ops.MnistPredict("PredictInto"));
        var pixels = Mnist.Scale(MnistData.Digits.Value[0].Pixels);
        var logits = new float[10];

        long perCall = MeasureAllocatedPerCall(() =>
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, pixels);
                call.SetOutput(0, logits);
                runner.Run(call);
            }
            finally
            {
                runner.Return(call);
            }
        });

        Assert.Equal(MnistData.Digits.Value[0].Label, Mnist.ArgMax(logits));
        Assert.Equal(0, perCall);
    }

    [Fact]
    public void Preallocated_calls_with_several_inputs_outputs_and_memory_slices_allocate_zero_bytes()
    {
        using var backend = TestModels.Load(TestModels.StatefulAccumulator());
        using var runner = backend.Bind(Ops.Operation("IAccumulator", "StepInto",
            [Ops.Input<float>("state", [1, 4]), Ops.Input<float>("x", [1, 4])],
            [Ops.Output<float>("stateN"), Ops.Output<float>("total")]));
        var inputs = new float[8] { 1, 2, 3, 4, 5, 6, 7, 8 };
        var outputs = new float[5];
        ReadOnlyMemory<float> state = inputs.AsMemory(0, 4);
        ReadOnlyMemory<float> x = inputs.AsMemory(4, 4);
        Memory<float> stateN = outputs.AsMemory(0, 4);
        Memory<float> total = outputs.AsMemory(4, 1);

        long perCall = MeasureAllocatedPerCall(() =>
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, state);
                call.SetInput(1, x);
                call.SetOutput(0, stateN);
                call.SetOutput(1, total);
                runner.Run(call);
            }
            finally
            {
                runner.Return(call);
            }
        });

        Assert.Equal([6f, 8, 10, 12, 36], outputs);
        Assert.Equal(0, perCall);
    }

    [Fact]
    public void Preallocated_scalar_calls_allocate_zero_bytes()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("a", OnnxDataType.Int64, [])
            .AddInput("b", OnnxDataType.Int64, [])
            .AddNode("Add", ["a", "b"], ["sum"])
            .AddOutput("sum", OnnxDataType.Int64, [])
            .ToBytes());
        using var runner = backend.Bind(Ops.Operation("IAdd", "Add", [Ops.Input<long>("a", []), Ops.Input<long>("b", [])], [Ops.Output<long>("sum", [])]));
        var sum = new long[1];
        long a = 0;
        long perCall = MeasureAllocatedPerCall(() =>
        {
            var call = runner.Rent();
            try
            {
                call.SetScalar(0, a);
                call.SetScalar(1, 40L);
                call.SetOutput(0, sum);
                runner.Run(call);
            }
            finally
            {
                runner.Return(call);
            }

            a++;
        });
        Assert.Equal(a - 1 + 40, sum[0]);
        Assert.Equal(0, perCall);
    }

    private static long MeasureAllocatedPerCall(Action call, int warmup = 50, int measured = 200)
    {
        for (int i = 0; i < warmup; i++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < measured; i++)
        {
            call();
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        return (after - before) / measured;
    }
}
