using ModelKit.Binding;

namespace ModelKit.Reloading;

/// <summary>
/// A backend that can be replaced while it serves: <see cref="Reload"/> builds (and warms) a new backend beside the current
/// one, rebinds every operation to it, and swaps atomically. Calls in flight finish on the old backend, which is disposed
/// when its last call returns; no call fails because of a reload.
/// </summary>
public sealed class ReloadingBackend : IInferenceBackend
{
    private readonly Func<IInferenceBackend> _factory;
    private readonly List<ReloadingOperationRunner> _runners = [];
    private readonly object _reloadLock = new();
    private Generation _current;
    private bool _disposed;

    /// <summary>Creates the first backend with <paramref name="factory"/>; <see cref="Reload"/> calls it again.</summary>
    public ReloadingBackend(Func<IInferenceBackend> factory)
    {
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _current = new Generation(factory(), 1);
    }

    /// <inheritdoc/>
    public string ModelName => _current.Backend.ModelName;

    /// <inheritdoc/>
    public ModelSignature Signature => _current.Backend.Signature;

    /// <inheritdoc/>
    public string Description => _current.Backend.Description;

    /// <summary>How many times the backend has been (re)built, starting at 1.</summary>
    public int Version => _current.Number;

    /// <summary>Raised after a successful swap.</summary>
    public event Action<ReloadingBackend>? Reloaded;

    /// <inheritdoc/>
    public OperationRunner Bind(OperationDescriptor operation)
    {
        lock (_reloadLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var runner = new ReloadingOperationRunner(this, operation, _current);
            _runners.Add(runner);
            return runner;
        }
    }

    /// <summary>
    /// Builds a new backend and swaps it in. If the new model does not load or no longer fits a bound contract, the current
    /// backend stays and the error is thrown.
    /// </summary>
    public void Reload()
    {
        lock (_reloadLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var backend = _factory();
            var next = new Generation(backend, _current.Number + 1);
            try
            {
                foreach (var runner in _runners)
                {
                    runner.Prepare(next);
                }
            }
            catch
            {
                foreach (var runner in _runners)
                {
                    runner.Abandon(next);
                }

                next.Retire();
                throw;
            }

            var previous = _current;
            _current = next;
            foreach (var runner in _runners)
            {
                runner.Commit(next);
            }

            previous.Retire();
        }

        Reloaded?.Invoke(this);
    }

    /// <summary>Disposes the current generation's backend; a reload in progress is abandoned.</summary>
    public void Dispose()
    {
        lock (_reloadLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var runner in _runners)
            {
                runner.Dispose();
            }

            _runners.Clear();
            _current.Retire();
        }
    }

    /// <summary>One backend and the calls running on it; disposed once retired and idle.</summary>
    internal sealed class Generation(IInferenceBackend backend, int number) : RetirableResource
    {
        public IInferenceBackend Backend { get; } = backend;

        public int Number { get; } = number;

        protected override void OnReleased() => Backend.Dispose();
    }
}
