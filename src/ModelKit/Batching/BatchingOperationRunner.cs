using System.Collections.Concurrent;
using System.Diagnostics;
using ModelKit.Binding;

namespace ModelKit.Batching;

/// <summary>
/// Dynamic batching: concurrent single calls are queued, stacked along dimension 0 into one run of the inner runner,
/// and each caller gets its own slice back, with its own cancellation and its own error.
/// </summary>
/// <remarks>
/// One thread gathers batches. A batch of variable-length calls is cut into runs of similar lengths (see
/// <see cref="TensorStacker.ForEachLengthGroup"/>), and each run's callers are answered as soon as their run ends. With
/// <see cref="BatchingOptions.ConcurrentBatches"/> above 1, runs go to that many run threads (Triton's instance count): the next
/// batch is gathered while runs are in flight, as soon as a run thread would otherwise wait, so calls that arrive during a
/// run form the next batch instead of waiting for the whole previous one.
/// </remarks>
internal sealed class BatchingOperationRunner : OperationRunner
{
    private readonly OperationRunner _inner;
    private readonly BatchingOptions _options;
    private readonly ConcurrentQueue<InferenceCall> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _loop;
    private readonly int[] _preferred;
    private readonly long _maxDelayTicks;
    private readonly int _concurrency;
    private readonly Thread[] _workers;
    private readonly ConcurrentQueue<List<InferenceCall>> _runs = new();
    private readonly SemaphoreSlim _runSignal = new(0);
    private readonly ConcurrentBag<List<InferenceCall>> _spareGroups = [];
    private readonly object _busyLock = new();
    private int _busy; // runs queued for a run thread or running (guarded by _busyLock when _concurrency > 1)
    private int _queued;
    private volatile bool _stopping;

    public BatchingOperationRunner(OperationRunner inner, BatchingOptions options)
        : base(inner.Operation, inner.BackendName + "+batching")
    {
        _inner = inner;
        _options = options;
        _preferred = options.PreferredBatchSizes.Where(s => s > 0 && s <= options.MaxBatchSize).Distinct().OrderBy(static s => s).ToArray();
        _maxDelayTicks = (long)(options.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
        _concurrency = Math.Max(1, options.ConcurrentBatches);
        _workers = new Thread[_concurrency > 1 ? _concurrency : 0];
        for (int w = 0; w < _workers.Length; w++)
        {
            _workers[w] = new Thread(Work) { IsBackground = true, Name = $"ModelKit batch runner {w} {inner.Operation.ModelName}/{inner.Operation.Descriptor.Method}" };
            _workers[w].Start();
        }

        _loop = new Thread(Loop) { IsBackground = true, Name = $"ModelKit batcher {inner.Operation.ModelName}/{inner.Operation.Descriptor.Method}" };
        _loop.Start();
    }

    protected override bool RecordsPadding => false;

    /// <summary>The batcher forwards to the inner runner, which records the run spans (inside the batch span).</summary>
    protected override bool TracesRuns => false;

    internal override int ConcurrentRuns => _concurrency;

    /// <summary>Calls waiting now.</summary>
    public int QueueLength => Volatile.Read(ref _queued);

    protected override void RunCore(InferenceCall call, CancellationToken cancellationToken)
    {
        var waiter = Enqueue(call, async: false, cancellationToken);
        waiter.Wait();
    }

    protected override ValueTask RunCoreAsync(InferenceCall call, CancellationToken cancellationToken) =>
        Enqueue(call, async: true, cancellationToken).AsValueTask();

    protected override void Dispose(bool disposing)
    {
        _stopping = true;
        _signal.Release();
        lock (_busyLock)
        {
            Monitor.PulseAll(_busyLock);
        }

        _loop.Join(TimeSpan.FromSeconds(5));
        if (_workers.Length > 0)
        {
            _runSignal.Release(_workers.Length);
        }

        foreach (var worker in _workers)
        {
            worker.Join(TimeSpan.FromSeconds(5));
        }

        var unloaded = new ObjectDisposedException(nameof(BatchingOperationRunner), $"Model '{Operation.ModelName}' was unloaded.");
        while (_queue.TryDequeue(out var call))
        {
            ((BatchWaiter)call.BatchState!).TryComplete(unloaded);
        }

        while (_runs.TryDequeue(out var group))
        {
            foreach (var call in group)
            {
                ((BatchWaiter)call.BatchState!).TryComplete(unloaded);
            }
        }

        _inner.Dispose();
        _signal.Dispose();
        _runSignal.Dispose();
        base.Dispose(disposing);
    }

    private BatchWaiter Enqueue(InferenceCall call, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (Interlocked.Increment(ref _queued) > _options.MaxQueueSize)
        {
            Interlocked.Decrement(ref _queued);
            BatchingMetrics.Rejected.Add(1, new KeyValuePair<string, object?>("model", Operation.ModelName));
            throw new ModelQueueFullException(Operation.ModelName, _options.MaxQueueSize);
        }

        if (call.BatchState is not BatchWaiter waiter)
        {
            waiter = new BatchWaiter();
            call.BatchState = waiter;
        }

        waiter.Prepare(async, cancellationToken);
        waiter.CallerContext = ModelKitActivitySource.Source.HasListeners() && System.Diagnostics.Activity.Current is { } caller ? caller.Context : default;
        BatchingMetrics.QueueLength.Add(1, new KeyValuePair<string, object?>("model", Operation.ModelName));
        _queue.Enqueue(call);
        _signal.Release();
        return waiter;
    }

    private void Loop()
    {
        var batch = new List<InferenceCall>(_options.MaxBatchSize);
        while (true)
        {
            if (_concurrency > 1 && !WaitForIdleRunner())
            {
                return;
            }

            _signal.Wait();
            if (_stopping)
            {
                return;
            }

            if (!_queue.TryDequeue(out var first))
            {
                continue;
            }

            Take(first, batch);
            long deadline = ((BatchWaiter)first.BatchState!).EnqueuedTimestamp + _maxDelayTicks;
            while (batch.Count < _options.MaxBatchSize && !_stopping)
            {
                if (_queue.TryDequeue(out var next))
                {
                    _signal.Wait(0);
                    Take(next, batch);
                    continue;
                }

                if (IsPreferred(batch.Count))
                {
                    break;
                }

                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    break;
                }

                int millis = (int)(remaining * 1000 / Stopwatch.Frequency);
                if (millis > 0)
                {
                    if (_signal.Wait(millis))
                    {
                        _signal.Release();
                    }
                }
                else
                {
                    Thread.Yield();
                }
            }

            Dispatch(batch);
            batch.Clear();
        }
    }

    /// <summary>Waits until fewer runs are queued or running than there are run threads; false when stopping.</summary>
    private bool WaitForIdleRunner()
    {
        lock (_busyLock)
        {
            while (_busy >= _concurrency && !_stopping)
            {
                Monitor.Wait(_busyLock);
            }
        }

        return !_stopping;
    }

    /// <summary>Cuts a gathered batch into runs (by length, for variable-length operations) and runs them, here or on the run threads.</summary>
    private void Dispatch(List<InferenceCall> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        BatchingMetrics.BatchSize.Record(batch.Count, new KeyValuePair<string, object?>("model", Operation.ModelName));
        if (batch.Count > 1 && _inner.Operation.IsVariableLength && _inner.Operation.CanStack)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].EnsureInputs();
            }

            TensorStacker.ForEachLengthGroup(_inner.Operation, batch, this, static (group, self) => self.Submit(group));
            return;
        }

        Submit(batch);
    }

    private void Submit(List<InferenceCall> group)
    {
        if (_concurrency == 1)
        {
            RunBatch(group);
            return;
        }

        if (!_spareGroups.TryTake(out var copy))
        {
            copy = new List<InferenceCall>(group.Count);
        }

        copy.AddRange(group);
        lock (_busyLock)
        {
            _busy++;
        }

        _runs.Enqueue(copy);
        _runSignal.Release();
    }

    private void Work()
    {
        while (true)
        {
            _runSignal.Wait();
            if (_stopping)
            {
                return;
            }

            if (!_runs.TryDequeue(out var group))
            {
                continue;
            }

            RunBatch(group);
            group.Clear();
            _spareGroups.Add(group);
            lock (_busyLock)
            {
                _busy--;
                Monitor.Pulse(_busyLock);
            }
        }
    }

    private void Take(InferenceCall call, List<InferenceCall> batch)
    {
        Interlocked.Decrement(ref _queued);
        BatchingMetrics.QueueLength.Add(-1, new KeyValuePair<string, object?>("model", Operation.ModelName));
        var waiter = (BatchWaiter)call.BatchState!;
        if (!waiter.TryCollect())
        {
            return; // canceled while queued (or a stale entry of a reused call): the caller has its answer already.
        }

        BatchingMetrics.QueueDelay.Record(Stopwatch.GetElapsedTime(waiter.EnqueuedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("model", Operation.ModelName));
        batch.Add(call);
    }

    private bool IsPreferred(int count)
    {
        if (_preferred.Length == 0)
        {
            return false;
        }

        return Array.BinarySearch(_preferred, count) >= 0 && (count >= _preferred[^1] || _queue.IsEmpty);
    }

    private void RunBatch(List<InferenceCall> batch)
    {
        // Callers that canceled while the batch was gathered are already answered: leave them out.
        batch.RemoveAll(static call => !((BatchWaiter)call.BatchState!).TryStart());
        if (batch.Count == 0)
        {
            return;
        }

        using var activity = ModelKitActivitySource.StartBatch(this, batch, static call => ((BatchWaiter)call.BatchState!).CallerContext);
        try
        {
            _inner.RunBatch(batch, CancellationToken.None);
            foreach (var call in batch)
            {
                ((BatchWaiter)call.BatchState!).Complete(null);
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Isolate the failure: each caller gets its own result or its own error.
            foreach (var call in batch)
            {
                RunAlone(call);
            }
        }
        catch (Exception ex)
        {
            ((BatchWaiter)batch[0].BatchState!).Complete(ex);
        }
    }

    private void RunAlone(InferenceCall call)
    {
        var waiter = (BatchWaiter)call.BatchState!;
        try
        {
            _inner.Run(call, waiter.CancellationToken);
            waiter.Complete(null);
        }
        catch (Exception ex)
        {
            waiter.Complete(ex);
        }
    }
}
