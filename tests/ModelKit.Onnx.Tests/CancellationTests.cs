using System.Diagnostics;
using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests;

/// <summary>A CancellationToken really stops a long native run, and the runner keeps working afterwards.</summary>
public sealed class CancellationTests
{
    private const int N = 128;

    [Fact]
    public async Task Canceling_during_a_long_run_throws_OperationCanceledException_and_the_runner_keeps_working()
    {
        // x = I: I·I = I, so every loop result is exactly the identity however many iterations run.
        using var backend = TestModels.Load(LoopModel());
        using var runner = backend.Bind(Ops.Operation("ILoop", "Run",
            [Ops.Input<long>("trips", []), Ops.Input<float>("x", [N, N])], [Ops.Output<float>("y")]));
        var identity = new float[N * N];
        for (int i = 0; i < N; i++)
        {
            identity[(i * N) + i] = 1f;
        }

        // Synchronous run, canceled from another thread mid-run (about 100 s of work if not canceled).
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var call = runner.Rent();
            var stopwatch = Stopwatch.StartNew();
            try
            {
                call.SetScalar(0, 1_000_000L);
                call.SetInput(1, identity);
                var ex = Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(call, cts.Token));
                Assert.Equal(cts.Token, ex.CancellationToken);
            }
            finally
            {
                runner.Return(call);
            }

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"cancellation took {stopwatch.Elapsed}");
        }

        // Asynchronous run.
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            var call = runner.Rent();
            try
            {
                call.SetScalar(0, 1_000_000L);
                call.SetInput(1, identity);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await runner.RunAsync(call, cts.Token));
            }
            finally
            {
                runner.Return(call);
            }
        }

        // The same runner (and its pooled calls, whose run options were terminated) works afterwards.
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var call = runner.Rent();
            try
            {
                call.SetScalar(0, 3L);
                call.SetInput(1, identity);
                runner.Run(call, CancellationToken.None);
                Assert.Equal(identity, call.GetArray<float>(0));
            }
            finally
            {
                runner.Return(call);
            }
        }
    }

    [Fact]
    public void An_already_canceled_token_throws_without_running()
    {
        using var backend = TestModels.Load(TestModels.Linear());
        using var runner = backend.Bind(Ops.Operation("ILinear", "Predict", [Ops.Input<float>("x", [-1, 4])], [Ops.Output<float>("y")]));
        var call = runner.Rent();
        try
        {
            call.SetInput(0, new float[4]);
            Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(call, new CancellationToken(canceled: true)));
            Assert.True(runner.RunAsync(call, new CancellationToken(canceled: true)).AsTask().IsCanceled);
        }
        finally
        {
            runner.Return(call);
        }
    }

    /// <summary>A Loop whose trip count is an input; each step squares a [N,N] matrix.</summary>
    private static byte[] LoopModel()
    {
        var body = new OnnxGraphBuilder("body")
            .AddInput("i", OnnxDataType.Int64, [])
            .AddInput("cond", OnnxDataType.Bool, [])
            .AddInput("acc", OnnxDataType.Float, [N, N])
            .AddNode("MatMul", ["acc", "acc"], ["accN"])
            .AddNode("Identity", ["cond"], ["condN"])
            .AddOutput("condN", OnnxDataType.Bool, [])
            .AddOutput("accN", OnnxDataType.Float, [N, N]);
        return new OnnxGraphBuilder("long_loop")
            .AddInput("trips", OnnxDataType.Int64, [])
            .AddInput("x", OnnxDataType.Float, [N, N])
            .AddInitializer("go", [true], [])
            .AddNode("Loop", ["trips", "go", "x"], ["y"], OnnxAttribute.Graph("body", body))
            .AddOutput("y", OnnxDataType.Float, [N, N])
            .ToBytes();
    }
}
