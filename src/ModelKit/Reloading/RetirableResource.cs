namespace ModelKit.Reloading;

/// <summary>
/// Something callers use for a while (a loaded model generation or version) that its owner can retire at any time: new callers
/// can no longer acquire it, and it is released once the last caller already using it lets go. Hot reload and the server's
/// unload use it so that calls in flight finish on what they started with.
/// </summary>
public abstract class RetirableResource
{
    private int _users = 1; // the owner's reference, dropped by Retire.

    /// <summary>Callers using it now (excluding the owner's reference).</summary>
    public int InFlight => Math.Max(0, Volatile.Read(ref _users) - 1);

    /// <summary>Takes a reference; false once it has been retired and released.</summary>
    public bool TryAcquire()
    {
        int users = Volatile.Read(ref _users);
        while (users > 0)
        {
            int seen = Interlocked.CompareExchange(ref _users, users + 1, users);
            if (seen == users)
            {
                return true;
            }

            users = seen;
        }

        return false;
    }

    /// <summary>Gives a reference back; the last one out calls <see cref="OnReleased"/>.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _users) == 0)
        {
            OnReleased();
        }
    }

    /// <summary>Drops the owner's reference: no new caller gets it; release follows the last caller.</summary>
    public void Retire() => Release();

    /// <summary>Frees what it holds; called once, when the last reference is gone.</summary>
    protected abstract void OnReleased();
}
