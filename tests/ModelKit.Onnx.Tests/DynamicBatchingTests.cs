using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelKit.Batching;
using ModelKit.Binding;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>
/// Dynamic batching over a real ONNX Runtime session: concurrent single calls stacked into runs, each caller with its
/// own result, cancellation and rejection; batching refused for a fixed dimension 0.
/// </summary>
public sealed class DynamicBatchingTests
{
    // The contract fixes one row per call ([1,4] → [1,3]), as generated clients of single-item methods do.
    private static OperationDescriptor SingleRow() => Ops.Operation("ILinear", "Predict",
        [Ops.Input<float>("x", [1, 4])], [Ops.Output<float>("y", [1, 3])]);

    private static float[] Row(int k) => [k % 7, -(k % 5), k * 0.25f, 1];

    [Fact]
    public async Task Concurrent_single_calls_are_stacked_into_fewer_runs_and_each_caller_gets_its_own_row()
    {
        string model = $"linear-batched-{Guid.NewGuid():N}";
        using var inner = TestModels.Load(TestModels.Linear(), model);
        using var backend = new BatchingBackend(inner, new BatchingOptions { MaxBatchSize = 16, MaxQueueDelay = TimeSpan.FromMilliseconds(20) });
        using var runner = backend.Bind(SingleRow());
        using var runs = new InnerRuns(model);

        const int Callers = 48;
        var results = new float[Callers][];
        var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, Callers).Select(k => Task.Factory.StartNew(async () =>
        {
            start.Wait();
            var call = runner.Rent();
            try
            {
                call.SetInput(0, Row(k));
                if (k % 2 == 0)
                {
                    await runner.RunAsync(call);
                }
                else
                {
                    runner.Run(call);
                }

                Assert.Equal([1L, 3L], call.Outputs[0].Shape);
                results[k] = call.GetArray<float>(0);
            }
            finally
            {
                runner.Return(call);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()).ToArray();
        start.Set();
        await Task.WhenAll(tasks);

        for (int k = 0; k < Callers; k++)
        {
            Assert.Equal(TestModels.LinearReference(Row(k)), results[k]);
        }

        Assert.True(runs.Runs < Callers, $"{Callers} calls took {runs.Runs} ONNX Runtime runs: nothing was stacked.");
        Assert.Equal(Callers, runs.Items);
    }

    [Fact]
    public async Task With_two_concurrent_batches_a_second_batch_runs_while_the_first_is_still_running()
    {
        string model = $"linear-concurrent-{Guid.NewGuid():N}";
        using var inner = TestModels.Load(TestModels.Linear(), model);
        using var backend = new BatchingBackend(inner, new BatchingOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.Zero, ConcurrentBatches = 2 });
        using var runner = backend.Bind(SingleRow());

        // The first batch's span start blocks its run thread until a second batch starts: with one run in flight at a time
        // (ConcurrentBatches = 1) the second never starts and the wait times out.
        using var second = new ManualResetEventSlim();
        int started = 0, maxInFlight = 0, inFlight = 0;
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = static source => source.Name == ModelKitActivitySource.Name,
            Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName != "batch " + model)
                {
                    return;
                }

                int now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref maxInFlight, now);
                if (Interlocked.Increment(ref started) == 1)
                {
                    second.Wait(TimeSpan.FromSeconds(30));
                }
                else
                {
                    second.Set();
                }
            },
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "batch " + model)
                {
                    Interlocked.Decrement(ref inFlight);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        const int Callers = 16;
        var results = new float[Callers][];
        var tasks = Enumerable.Range(0, Callers).Select(k => Task.Run(async () =>
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, Row(k));
                await runner.RunAsync(call);
                results[k] = call.GetArray<float>(0);
            }
            finally
            {
                runner.Return(call);
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.True(second.IsSet, "no second batch started while the first was running");
        Assert.Equal(2, maxInFlight);
        for (int k = 0; k < Callers; k++)
        {
            Assert.Equal(TestModels.LinearReference(Row(k)), results[k]);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    [Fact]
    public async Task A_caller_canceled_while_its_batch_gathers_is_answered_at_once_and_the_others_still_run()
    {
        // The batch runs only when a second caller joins (or after a minute): the canceled caller must be answered
        // while it gathers, with no clock in the test — the batcher's "collected" measurement says when it gathers.
        const string Model = "linear-cancel-while-gathering";
        using var collected = new QueueDelayWatch(Model);
        using var inner = TestModels.Load(TestModels.Linear(), Model);
        using var backend = new BatchingBackend(inner, new BatchingOptions { MaxBatchSize = 2, MaxQueueDelay = TimeSpan.FromMinutes(1) });
        using var runner = backend.Bind(SingleRow());

        using var cts = new CancellationTokenSource();
        var canceled = runner.Rent();
        var kept = runner.Rent();
        try
        {
            canceled.SetInput(0, Row(1));
            kept.SetInput(0, Row(2));
            var canceledRun = runner.RunAsync(canceled, cts.Token).AsTask();
            await collected.First.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(canceledRun.IsCompleted, "the batch ran before it gathered");
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceledRun.WaitAsync(TimeSpan.FromSeconds(30)));

            // The second caller fills the batch the canceled caller was gathered into; it runs without it.
            await runner.RunAsync(kept).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(TestModels.LinearReference(Row(2)), kept.GetArray<float>(0));
        }
        finally
        {
            runner.Return(kept);
        }

        // The canceled call goes back to the pool and serves the next callers correctly (two at a time fill a batch).
        runner.Return(canceled);
        for (int round = 0; round < 3; round++)
        {
            var pair = new[] { runner.Rent(), runner.Rent() };
            if (round == 0)
            {
                Assert.Contains(canceled, pair);
            }

            try
            {
                pair[0].SetInput(0, Row(10 + round));
                pair[1].SetInput(0, Row(20 + round));
                await Task.WhenAll(runner.RunAsync(pair[0]).AsTask(), runner.RunAsync(pair[1]).AsTask()).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(TestModels.LinearReference(Row(10 + round)), pair[0].GetArray<float>(0));
                Assert.Equal(TestModels.LinearReference(Row(20 + round)), pair[1].GetArray<float>(0));
            }
            finally
            {
                runner.Return(pair[1]);
                runner.Return(pair[0]);
            }
        }
    }

    [Fact]
    public async Task A_full_queue_rejects_fast_with_a_typed_exception_and_every_accepted_call_completes()
    {
        using var inner = TestModels.Load(TestModels.Linear(), "linear-small-queue");
        using var backend = new BatchingBackend(inner, new BatchingOptions { MaxBatchSize = 1, MaxQueueDelay = TimeSpan.Zero, MaxQueueSize = 2 });
        using var runner = backend.Bind(SingleRow());

        const int Calls = 300;
        var calls = new InferenceCall[Calls];
        var runs = new Task[Calls];
        for (int k = 0; k < Calls; k++)
        {
            calls[k] = runner.Rent();
            calls[k].SetInput(0, Row(k));
            runs[k] = runner.RunAsync(calls[k]).AsTask();
        }

        int rejected = 0, completed = 0;
        for (int k = 0; k < Calls; k++)
        {
            try
            {
                await runs[k];
                completed++;
                Assert.Equal(TestModels.LinearReference(Row(k)), calls[k].GetArray<float>(0));
            }
            catch (ModelQueueFullException ex)
            {
                rejected++;
                Assert.Equal("linear-small-queue", ex.Model);
                Assert.Equal(2, ex.Capacity);
            }
        }

        foreach (var call in calls)
        {
            runner.Return(call);
        }

        Assert.True(rejected > 0, "300 calls queued at once never filled a queue of 2.");
        Assert.True(completed >= 2, $"only {completed} calls were accepted.");
    }

    [Fact]
    public void Batching_a_model_whose_dimension_0_is_fixed_is_refused_at_start_with_the_reason()
    {
        using var inner = TestModels.Load(TestModels.Linear(dynamicBatch: false), "fixed-linear");
        var ex = Assert.Throws<ModelLoadException>(() => new BatchingBackend(inner, new BatchingOptions()));
        Assert.Contains("fixed-linear", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fixed dimension 0", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Counts the inner ONNX Runtime runs and items of one model.</summary>
    private sealed class InnerRuns(string model) : IDisposable
    {
        private readonly MetricCollector<long> _runs = new(null, ModelKitMetrics.MeterName, "modelkit.inference.count");
        private readonly MetricCollector<long> _items = new(null, ModelKitMetrics.MeterName, "modelkit.inference.items");

        public long Runs => Inner(_runs);

        public long Items => Inner(_items);

        public void Dispose()
        {
            _runs.Dispose();
            _items.Dispose();
        }

        private long Inner(MetricCollector<long> collector) =>
            collector.Tagged("model", model).Where(static m => Equals(m.Tags.GetValueOrDefault("backend"), "onnxruntime")).Sum();
    }

    /// <summary>Completes when the batcher first takes a call of one model into a batch (its queue-delay measurement).</summary>
    private sealed class QueueDelayWatch : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public QueueDelayWatch(string model)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ModelKitMetrics.MeterName && instrument.Name == "modelkit.batch.queue_delay")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "model" && Equals(tag.Value, model))
                    {
                        _first.TrySetResult();
                    }
                }
            });
            _listener.Start();
        }

        public Task First => _first.Task;

        public void Dispose() => _listener.Dispose();
    }
}
