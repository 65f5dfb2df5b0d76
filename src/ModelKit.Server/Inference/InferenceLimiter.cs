namespace ModelKit.Server;

/// <summary>Bounds the inferences running at once; a bounded number wait, the rest are rejected with <see cref="ServerBusyException"/>.</summary>
internal sealed class InferenceLimiter(int maxConcurrent, int maxQueued) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(maxConcurrent, maxConcurrent);
    private int _waiting;

    /// <summary>Takes a slot; completes synchronously when one is free.</summary>
    public ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return ValueTask.CompletedTask;
        }

        return WaitAsync(cancellationToken);
    }

    public void Exit() => _slots.Release();

    public void Dispose() => _slots.Dispose();

    private async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > maxQueued)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ServerBusyException($"The server is running {maxConcurrent} inferences and {maxQueued} more are waiting; try again later.");
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}
