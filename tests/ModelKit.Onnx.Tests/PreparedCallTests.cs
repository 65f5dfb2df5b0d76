using System.Diagnostics;
using ModelKit.OnnxFormat;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>Prepared calls: bound once to the caller's buffers, run many times with one native call each.</summary>
[Collection(AllocationSensitive.Name)]
public sealed class PreparedCallTests
{
    private static byte[] AddModel() => new OnnxGraphBuilder("add")
        .AddInput("a", OnnxDataType.Float, [1, 4])
        .AddInput("b", OnnxDataType.Float, [1, 4])
        .AddNode("Add", ["a", "b"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [1, 4])
        .ToBytes();

    private static ModelKit.Binding.OperationDescriptor AddOperation() =>
        Ops.Operation("IAdd", "Add", [Ops.Input<float>("a", [1, 4]), Ops.Input<float>("b", [1, 4])], [Ops.Output<float>("y", [1, 4])]);

    [Fact]
    public void A_bound_prepared_call_sees_new_input_values_on_every_run_and_allocates_nothing()
    {
        using var backend = TestModels.Load(AddModel());
        using var runner = backend.Bind(AddOperation());
        var a = new float[4];
        var b = new float[] { 10, 20, 30, 40 };
        var y = new float[4];
        var call = runner.Rent();
        call.SetInput(0, a);
        call.SetInput(1, b);
        call.SetOutput(0, y);
        using var prepared = runner.Prepare(call);
        Assert.True(prepared.IsBound);

        for (int round = 1; round <= 3; round++)
        {
            for (int i = 0; i < 4; i++)
            {
                a[i] = round * i;
            }

            prepared.Run();
            Assert.Equal([10f, 20 + round, 30 + (2 * round), 40 + (3 * round)], y);
        }

        for (int i = 0; i < 100; i++)
        {
            prepared.Run();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            prepared.Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void With_a_trace_listener_attached_runs_take_the_ordinary_path_with_the_same_results()
    {
        using var backend = TestModels.Load(AddModel());
        using var runner = backend.Bind(AddOperation());
        var a = new float[] { 1, 2, 3, 4 };
        var b = new float[] { 1, 1, 1, 1 };
        var y = new float[4];
        var call = runner.Rent();
        call.SetInput(0, a);
        call.SetInput(1, b);
        call.SetOutput(0, y);
        using var prepared = runner.Prepare(call);

        using var spans = new SpanCollector(ModelKitActivitySource.Name);
        ActivityTraceId trace;
        using (var root = spans.StartRoot())
        {
            trace = root.TraceId;
            prepared.Run();
            Assert.Equal([2f, 3, 4, 5], y);
            a[0] = 100;
            prepared.Run();
            Assert.Equal([101f, 3, 4, 5], y);
        }

        // Observed like any call: a run span per run, in the caller's trace.
        Assert.Equal(2, spans.InTrace(trace).Count(s => s.DisplayName == "run test"));
    }

    [Fact]
    public void Without_caller_destinations_a_prepared_call_runs_the_ordinary_way()
    {
        using var backend = TestModels.Load(AddModel());
        using var runner = backend.Bind(AddOperation());
        var call = runner.Rent();
        call.SetInput(0, new float[] { 1, 2, 3, 4 });
        call.SetInput(1, new float[] { 4, 3, 2, 1 });
        using var prepared = runner.Prepare(call);
        Assert.False(prepared.IsBound);
        prepared.Run();
        Assert.Equal([5f, 5, 5, 5], call.Outputs[0].Buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task A_disposed_prepared_call_refuses_to_run_and_a_canceled_one_throws()
    {
        using var backend = TestModels.Load(AddModel());
        using var runner = backend.Bind(AddOperation());
        var call = runner.Rent();
        call.SetInput(0, new float[4]);
        call.SetInput(1, new float[4]);
        call.SetOutput(0, new float[4]);
        var prepared = runner.Prepare(call);
        Assert.Throws<OperationCanceledException>(() => prepared.Run(new CancellationToken(canceled: true)));
        await prepared.RunAsync();
        prepared.Dispose();
        prepared.Dispose();
        Assert.Throws<ObjectDisposedException>(() => prepared.Run());
    }

    [Fact]
    public void A_destination_of_the_wrong_size_is_refused_when_preparing()
    {
        using var backend = TestModels.Load(AddModel());
        using var runner = backend.Bind(AddOperation());
        var call = runner.Rent();
        call.SetInput(0, new float[4]);
        call.SetInput(1, new float[4]);
        var ex = Record.Exception(() =>
        {
            call.SetOutput(0, new float[3]);
            runner.Prepare(call).Dispose();
        });
        Assert.IsType<TensorMismatchException>(ex);
    }
}
