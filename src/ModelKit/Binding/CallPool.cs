namespace ModelKit.Binding;

/// <summary>A small lock-free pool of <see cref="InferenceCall"/>s: one fast slot plus a fixed array, no allocation when warm.</summary>
internal sealed class CallPool(BoundOperation operation, int capacity)
{
    private readonly InferenceCall?[] _items = new InferenceCall?[capacity];
    private InferenceCall? _fast;

    public InferenceCall Rent()
    {
        var item = _fast;
        if (item is not null && Interlocked.CompareExchange(ref _fast, null, item) == item)
        {
            return item;
        }

        var items = _items;
        for (int i = 0; i < items.Length; i++)
        {
            item = items[i];
            if (item is not null && Interlocked.CompareExchange(ref items[i], null, item) == item)
            {
                return item;
            }
        }

        return new InferenceCall(operation);
    }

    /// <summary>Returns a call; false when the pool is full and the caller should release the call's backend state.</summary>
    public bool Return(InferenceCall call)
    {
        call.Reset();
        if (_fast is null && Interlocked.CompareExchange(ref _fast, call, null) is null)
        {
            return true;
        }

        var items = _items;
        for (int i = 0; i < items.Length; i++)
        {
            if (items[i] is null && Interlocked.CompareExchange(ref items[i], call, null) is null)
            {
                return true;
            }
        }

        return false;
    }

    public IEnumerable<InferenceCall> Drain()
    {
        if (Interlocked.Exchange(ref _fast, null) is { } fast)
        {
            yield return fast;
        }

        for (int i = 0; i < _items.Length; i++)
        {
            if (Interlocked.Exchange(ref _items[i], null) is { } item)
            {
                yield return item;
            }
        }
    }
}
