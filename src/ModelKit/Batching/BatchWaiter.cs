using System.Threading.Tasks.Sources;

namespace ModelKit.Batching;

/// <summary>
/// What a queued call waits on: completed once by the batch loop or by the caller's cancellation, whichever comes first.
/// Reused across calls (kept on the pooled <see cref="Binding.InferenceCall"/>), so waiting allocates nothing.
/// </summary>
internal sealed class BatchWaiter : IValueTaskSource
{
    private const int Waiting = 0;
    private const int Claimed = 1;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;
    private bool _async;
    private bool _done;
    private Exception? _error;
    private CancellationTokenRegistration _registration;

    public long EnqueuedTimestamp { get; private set; }

    public CancellationToken CancellationToken { get; private set; }

    public bool IsClaimed => Volatile.Read(ref _state) != Waiting;

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

    /// <summary>Claims the waiter for the batch loop; false when the caller's cancellation already completed it.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;

    /// <summary>Completes a claimed waiter.</summary>
    public void Complete(Exception? error) => Signal(error);

    /// <summary>Completes the waiter if nobody claimed it yet (cancellation).</summary>
    public bool TryComplete(Exception error)
    {
        if (!TryClaim())
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
