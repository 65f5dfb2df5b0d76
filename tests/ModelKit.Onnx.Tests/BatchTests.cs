using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelKit.Binding;
using ModelKit.Samples.Mnist;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>RunBatch: one stacked run on a dynamic-batch model, one run per item on a fixed-batch one, same results either way.</summary>
public sealed class BatchTests
{
    [Fact]
    public void RunBatch_stacks_a_dynamic_batch_into_one_run_with_the_same_results_as_one_by_one()
    {
        string model = $"linear-{Guid.NewGuid():N}";
        using var backend = TestModels.Load(TestModels.Linear(), model);
        using var runner = backend.Bind(Ops.Operation("ILinear", "PredictBatch", [Ops.Input<float>("x", [-1, 4])], [Ops.Output<float>("y")]));
        Assert.True(runner.Operation.CanStack);

        int[] rows = [1, 2, 1, 3, 1];
        var inputs = rows.Select((r, k) => Enumerable.Range(0, r * 4).Select(i => (float)(((i * 7) + k) % 11) - 5).ToArray()).ToArray();
        var expected = inputs.Select(x => Enumerable.Range(0, x.Length / 4).SelectMany(r => TestModels.LinearReference(x.AsSpan(r * 4, 4))).ToArray()).ToArray();

        using var runs = new RunCounter(model);
        var calls = inputs.Select(x =>
        {
            var call = runner.Rent();
            call.SetInput(0, x);
            return call;
        }).ToArray();
        try
        {
            Assert.True(TensorStacker.CanStack(runner.Operation, calls));
            runner.RunBatch(calls);
            Assert.Equal(1, runs.Runs);
            for (int k = 0; k < calls.Length; k++)
            {
                Assert.Equal([rows[k], 3L], calls[k].Outputs[0].Shape);
                Assert.Equal(expected[k], calls[k].GetArray<float>(0));
            }
        }
        finally
        {
            foreach (var call in calls)
            {
                runner.Return(call);
            }
        }
    }

    [SkippableFact]
    public async Task RunBatch_on_the_fixed_batch_mnist_runs_each_item_and_matches_single_runs()
    {
        string path = SharedData.Require("models/mnist.onnx");
        var digits = MnistData.Digits.Value.Take(20).ToArray();
        string name = $"mnist-{Guid.NewGuid():N}";
        using var backend = OnnxModelBackend.Load(name, path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        using var runner = backend.Bind(Ops.MnistPredict("PredictBatch"));
        Assert.False(runner.Operation.CanStack);

        var single = digits.Select(d => Mnist.Logits(runner, Mnist.Scale(d.Pixels))).ToArray();

        using var runs = new RunCounter(name);
        var calls = digits.Select(d =>
        {
            var call = runner.Rent();
            call.SetInput(0, Mnist.Scale(d.Pixels));
            return call;
        }).ToArray();
        try
        {
            runner.RunBatch(calls);
            Assert.Equal(digits.Length, runs.Runs);
            for (int i = 0; i < calls.Length; i++)
            {
                Assert.Equal(single[i], calls[i].GetArray<float>(0));
            }

            await runner.RunBatchAsync(calls);
            Assert.Equal(2 * digits.Length, runs.Runs);
        }
        finally
        {
            foreach (var call in calls)
            {
                runner.Return(call);
            }
        }
    }

    [SkippableFact]
    public void RunBatch_on_mnist_batch_is_one_run_and_agrees_with_fixed_batch_mnist()
    {
        string fixedPath = SharedData.Require("models/mnist.onnx");
        string batchPath = SharedData.Require("models/mnist-batch.onnx");
        var digits = MnistData.Digits.Value.Where((_, i) => i % 500 == 0).ToArray();
        using var fixedBackend = OnnxModelBackend.Load("mnist", fixedPath, new ModelOptions { Path = fixedPath, IntraOpThreads = 1 });
        using var fixedRunner = fixedBackend.Bind(Ops.MnistPredict());
        string name = $"mnist-batch-{Guid.NewGuid():N}";
        using var batchBackend = OnnxModelBackend.Load(name, batchPath, new ModelOptions { Path = batchPath, IntraOpThreads = 1 });
        using var batchRunner = batchBackend.Bind(Ops.Operation("IDigitClassifier", "PredictBatch",
            [Ops.Input<float>("Input3", [-1, 1, 28, 28], "DigitImage.Pixels")], [Ops.Output<float>("Plus214_Output_0", null, "DigitScores.Logits")]));
        Assert.True(batchRunner.Operation.CanStack);

        using var runs = new RunCounter(name);
        var calls = digits.Select(d =>
        {
            var call = batchRunner.Rent();
            call.SetInput(0, Mnist.Scale(d.Pixels));
            return call;
        }).ToArray();
        try
        {
            batchRunner.RunBatch(calls);
            Assert.Equal(1, runs.Runs);
            for (int i = 0; i < calls.Length; i++)
            {
                var expected = Mnist.Logits(fixedRunner, Mnist.Scale(digits[i].Pixels));
                var actual = calls[i].GetArray<float>(0);
                Assert.Equal(expected.Length, actual.Length);
                for (int j = 0; j < expected.Length; j++)
                {
                    Assert.Equal(expected[j], actual[j], 1e-3f);
                }
            }
        }
        finally
        {
            foreach (var call in calls)
            {
                batchRunner.Return(call);
            }
        }
    }

    /// <summary>Counts ModelKit's <c>modelkit.inference.count</c> measurements (runs) for one model name.</summary>
    private sealed class RunCounter(string model) : IDisposable
    {
        private readonly MetricCollector<long> _runs = new(null, ModelKitMetrics.MeterName, "modelkit.inference.count");

        public long Runs => _runs.Tagged("model", model).Sum();

        public void Dispose() => _runs.Dispose();
    }
}

/// <summary>MNIST helpers shared by the tests.</summary>
internal static class Mnist
{
    /// <summary>mnist.onnx takes pixel values 0..255; the npm digits are 0..1.</summary>
    public static float[] Scale(float[] pixels) => pixels.Select(static p => p * 255f).ToArray();

    public static float[] Logits(OperationRunner runner, float[] pixels)
    {
        var call = runner.Rent();
        try
        {
            call.SetInput(0, pixels);
            runner.Run(call);
            return call.GetArray<float>(0);
        }
        finally
        {
            runner.Return(call);
        }
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
