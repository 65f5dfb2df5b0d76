using System.Diagnostics;

namespace ModelKit.Binding;

/// <summary>
/// Runs one bound operation on one backend. Generated clients rent an <see cref="InferenceCall"/>, set its inputs,
/// run it and read its outputs; backends implement <see cref="RunCore"/>.
/// </summary>
public abstract class OperationRunner : IDisposable
{
    private readonly CallPool _pool;
    private int _disposed;

    /// <summary>Creates a runner for <paramref name="operation"/>; <paramref name="backendName"/> labels its metrics and traces (e.g. <c>onnxruntime</c>).</summary>
    protected OperationRunner(BoundOperation operation, string backendName)
    {
        Operation = operation;
        BackendName = backendName;
        _pool = new CallPool(operation, Math.Max(4, Environment.ProcessorCount * 2));
    }

    /// <summary>The operation this runner runs.</summary>
    public BoundOperation Operation { get; }

    /// <summary>A short name of the backend for metrics and logs (<c>onnxruntime</c>, <c>remote</c>…).</summary>
    public string BackendName { get; }

    /// <summary>Whether the runner was disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Makes a <see cref="PreparedCall"/> of a rented call whose inputs and output destinations are set: it owns the call from now
    /// on (disposing it returns the call). The backend binds the buffers once where it can (<see cref="PrepareCore"/>).
    /// </summary>
    public PreparedCall Prepare(InferenceCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        call.EnsureInputs();
        return new PreparedCall(this, call, PrepareCore(call));
    }

    /// <summary>
    /// Binds a call's buffers once for repeated runs, or returns <see langword="null"/> when this runner cannot (its runs then take the
    /// ordinary path). The default: <see langword="null"/>.
    /// </summary>
    protected virtual PreparedRun? PrepareCore(InferenceCall call) => null;

    /// <summary>Takes a call from the pool.</summary>
    public InferenceCall Rent() => _pool.Rent();

    /// <summary>Gives a call back to the pool.</summary>
    public void Return(InferenceCall call)
    {
        if (!_pool.Return(call))
        {
            ReleaseState(call);
        }
    }

    /// <summary>
    /// Whether this runner runs the model itself, so a <c>run</c> span is recorded here (see <see cref="ModelKitActivitySource"/>).
    /// False for runners that forward to another runner (batching, reloading) or to a server (remote: the request span stands for the run).
    /// </summary>
    protected virtual bool TracesRuns => true;

    /// <summary>Runs this runner can keep in flight at once (a batcher with several concurrent batches): the length groups of one batch are then started together.</summary>
    internal virtual int ConcurrentRuns => 1;

    /// <summary>Runs one call synchronously.</summary>
    public void Run(InferenceCall call, CancellationToken cancellationToken = default)
    {
        if (!ModelKitActivitySource.Source.HasListeners())
        {
            Run(call, 1, cancellationToken);
            return;
        }

        var activity = ModelKitActivitySource.StartCall(this);
        try
        {
            Run(call, 1, cancellationToken);
        }
        catch (Exception ex)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    private void Run(InferenceCall call, int items, CancellationToken cancellationToken)
    {
        call.EnsureInputs();
        cancellationToken.ThrowIfCancellationRequested();
        var activity = TracesRuns ? ModelKitActivitySource.StartRun(this, items) : null;
        long start = ModelKitMetrics.StartInference();
        try
        {
            RunCore(call, cancellationToken);
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, null);
        }
        catch (Exception ex)
        {
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, ex);
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    /// <summary>Runs one call; completes synchronously where the backend is in-process.</summary>
    public ValueTask RunAsync(InferenceCall call, CancellationToken cancellationToken = default) =>
        ModelKitActivitySource.Source.HasListeners() ? RunTracedAsync(call, cancellationToken) : RunAsync(call, 1, cancellationToken);

    private async ValueTask RunTracedAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        var activity = ModelKitActivitySource.StartCall(this);
        try
        {
            await RunAsync(call, 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    private ValueTask RunAsync(InferenceCall call, int items, CancellationToken cancellationToken) =>
        TracesRuns && ModelKitActivitySource.Source.HasListeners() ? RunSpannedAsync(call, items, cancellationToken) : RunUntracedAsync(call, items, cancellationToken);

    private async ValueTask RunSpannedAsync(InferenceCall call, int items, CancellationToken cancellationToken)
    {
        var activity = ModelKitActivitySource.StartRun(this, items);
        try
        {
            await RunUntracedAsync(call, items, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    private ValueTask RunUntracedAsync(InferenceCall call, int items, CancellationToken cancellationToken)
    {
        call.EnsureInputs();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        long start = ModelKitMetrics.StartInference();
        ValueTask pending;
        try
        {
            pending = RunCoreAsync(call, cancellationToken);
        }
        catch (Exception ex)
        {
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, ex);
            return ValueTask.FromException(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, null);
            return default;
        }

        return Awaited(pending, start, items);
    }

    /// <summary>
    /// Runs several calls: stacked along dimension 0 into one run when the model allows it (see <see cref="BoundOperation.CanStack"/>), else one run each.
    /// </summary>
    public void RunBatch(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (!ModelKitActivitySource.Source.HasListeners())
        {
            RunBatchCore(calls, cancellationToken);
            return;
        }

        var activity = ModelKitActivitySource.StartCall(this, calls.Count);
        try
        {
            RunBatchCore(calls, cancellationToken);
        }
        catch (Exception ex)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    private void RunBatchCore(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 0)
        {
            return;
        }

        for (int i = 0; i < calls.Count; i++)
        {
            calls[i].EnsureInputs();
        }

        if (calls.Count > 1 && Operation.IsVariableLength && Operation.CanStack)
        {
            // Runs of similar lengths, so padding never costs more than batching saves.
            TensorStacker.ForEachLengthGroup(Operation, calls, (this, cancellationToken), static (group, state) => state.Item1.RunStacked(group, state.cancellationToken));
            return;
        }

        RunStacked(calls, cancellationToken);
    }

    private void RunStacked(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 1 || !TensorStacker.CanStack(Operation, calls))
        {
            for (int i = 0; i < calls.Count; i++)
            {
                if (RecordsPadding)
                {
                    TensorStacker.RecordUnpadded(calls[i]);
                }

                Run(calls[i], cancellationToken);
            }

            return;
        }

        var stacked = Rent();
        try
        {
            TensorStacker.Stack(calls, stacked);
            if (RecordsPadding)
            {
                TensorStacker.RecordPadding(calls, stacked);
            }

            Run(stacked, calls.Count, cancellationToken);
            TensorStacker.Unstack(stacked, calls);
        }
        finally
        {
            Return(stacked);
        }
    }

    /// <summary>Asynchronous <see cref="RunBatch"/>.</summary>
    public async ValueTask RunBatchAsync(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var activity = ModelKitActivitySource.StartCall(this, calls.Count);
        try
        {
            await RunBatchCoreAsync(calls, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        ModelKitActivitySource.Finish(activity, null);
    }

    private async ValueTask RunBatchCoreAsync(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 0)
        {
            return;
        }

        for (int i = 0; i < calls.Count; i++)
        {
            calls[i].EnsureInputs();
        }

        if (calls.Count > 1 && Operation.IsVariableLength && Operation.CanStack)
        {
            var groups = new List<InferenceCall[]>();
            TensorStacker.ForEachLengthGroup(Operation, calls, groups, static (group, list) => list.Add(group.ToArray()));
            if (ConcurrentRuns > 1 && groups.Count > 1)
            {
                // The runs can overlap: hand every group over at once, so they spread over the runner's concurrent runs.
                var pending = new Task[groups.Count];
                for (int g = 0; g < groups.Count; g++)
                {
                    pending[g] = RunStackedAsync(groups[g], cancellationToken).AsTask();
                }

                await Task.WhenAll(pending).ConfigureAwait(false);
                return;
            }

            foreach (var group in groups)
            {
                await RunStackedAsync(group, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await RunStackedAsync(calls, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RunStackedAsync(IReadOnlyList<InferenceCall> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 1 || !TensorStacker.CanStack(Operation, calls))
        {
            for (int i = 0; i < calls.Count; i++)
            {
                if (RecordsPadding)
                {
                    TensorStacker.RecordUnpadded(calls[i]);
                }

                await RunAsync(calls[i], cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var stacked = Rent();
        try
        {
            TensorStacker.Stack(calls, stacked);
            if (RecordsPadding)
            {
                TensorStacker.RecordPadding(calls, stacked);
            }

            await RunAsync(stacked, calls.Count, cancellationToken).ConfigureAwait(false);
            TensorStacker.Unstack(stacked, calls);
        }
        finally
        {
            Return(stacked);
        }
    }

    /// <summary>Whether this runner records the padding of variable-length runs (false for wrappers whose inner runner records them).</summary>
    protected virtual bool RecordsPadding => true;

    /// <summary>Runs the call on the backend. Inputs are set and validated; outputs must be filled.</summary>
    protected abstract void RunCore(InferenceCall call, CancellationToken cancellationToken);

    /// <summary>Runs the call asynchronously; by default runs <see cref="RunCore"/> inline.</summary>
    protected virtual ValueTask RunCoreAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        RunCore(call, cancellationToken);
        return default;
    }

    /// <summary>Releases backend state kept on a call that leaves the pool.</summary>
    protected virtual void ReleaseState(InferenceCall call)
    {
        if (call.BackendState is IDisposable disposable)
        {
            disposable.Dispose();
        }

        call.BackendState = null;
    }

    /// <summary>Fails the calls still pooled, releases their buffers and calls <see cref="Dispose(bool)"/> once; later calls are ignored.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var call in _pool.Drain())
        {
            ReleaseState(call);
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the backend's resources for this runner; <paramref name="disposing"/> is true from <see cref="Dispose()"/>. Overrides call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private async ValueTask Awaited(ValueTask pending, long start, int items)
    {
        try
        {
            await pending.ConfigureAwait(false);
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, null);
        }
        catch (Exception ex)
        {
            ModelKitMetrics.RecordInference(Operation.ModelName, BackendName, start, items, ex);
            throw;
        }
    }
}
