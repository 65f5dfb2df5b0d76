using System.Threading.Tasks.Sources;

namespace ModelKit.Batching;

/// <summary>
/// What a queued call waits on: completed once by the batch loop or by the caller's cancellation, whichever comes first.
/// Reused across calls (kept on the pooled <see cref="Binding.InferenceCall"/>), so waiting allocates nothing.
/// </summary>
internal sealed class BatchWaiter : IValueTaskSource
{
    // Waiting (in the queue) → Collected (in the batch being gathered) → Running → Done. The caller's cancellation
    // completes it from Waiting or Collected; once Running, the run's own cancellation applies.
    private const int Waiting = 0;
    private const int Collected = 1;
    private const int Running = 2;
    private const int Done = 3;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;
    private bool _async;
    private bool _done;
    private Exception? _error;
    private CancellationTokenRegistration _registration;

    public long EnqueuedTimestamp { get; private set; }

    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The caller's span when tracing (the batch span links to it); default otherwise.</summary>
    public System.Diagnostics.ActivityContext CallerContext { get; set; }


    public void Prepare(bool async, CancellationToken cancellationToken)
    {
        // The call may still sit in the queue from an earlier use that was canceled while queued: the loop can claim
        // that stale entry as soon as the state reads Waiting, so every other field is written first.
        _core.Reset();
        _async = async;
        _done = false;
        _error = null;
        CancellationToken = cancellationToken;
        EnqueuedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        Volatile.Write(ref _state, Waiting);
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (s, token) => ((BatchWaiter)s!).TryComplete(new OperationCanceledException(token)), this);
        }
    }

    /// <summary>Takes the waiter into the batch being gathered; false when the caller's cancellation already completed it.</summary>
    public bool TryCollect() => Interlocked.CompareExchange(ref _state, Collected, Waiting) == Waiting;

    /// <summary>Commits a collected waiter to the run; false when the caller canceled while the batch was gathered.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Collected) == Collected;

    /// <summary>Completes a running waiter.</summary>
    public void Complete(Exception? error)
    {
        Volatile.Write(ref _state, Done);
        Signal(error);
    }

    /// <summary>Completes the waiter if it has not started running (cancellation, unload).</summary>
    public bool TryComplete(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, Done, Waiting) != Waiting
            && Interlocked.CompareExchange(ref _state, Done, Collected) != Collected)
        {
            return false;
        }

        Signal(error);
        return true;
    }

    public ValueTask AsValueTask() => new(this, _core.Version);

    public void Wait()
    {
        lock (this)
        {
            while (!_done)
            {
                Monitor.Wait(this);
            }
        }

        Finish();
        if (_error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
    }

    void IValueTaskSource.GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Finish();
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Finish() => _registration.Dispose();

    private void Signal(Exception? error)
    {
        if (_async)
        {
            if (error is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(error);
            }

            return;
        }

        lock (this)
        {
            _error = error;
            _done = true;
            Monitor.PulseAll(this);
        }
    }
}
