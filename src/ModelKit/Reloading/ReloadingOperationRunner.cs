using ModelKit.Binding;

namespace ModelKit.Reloading;

/// <summary>Forwards each call to the operation's runner on the current generation of a <see cref="ReloadingBackend"/>.</summary>
internal sealed class ReloadingOperationRunner : OperationRunner
{
    private readonly OperationDescriptor _descriptor;
    private readonly Dictionary<ReloadingBackend.Generation, OperationRunner> _pending = [];
    private Bound _bound;
    private volatile bool _closed;

    public ReloadingOperationRunner(ReloadingBackend owner, OperationDescriptor descriptor, ReloadingBackend.Generation generation)
        : this(descriptor, generation, generation.Backend.Bind(descriptor))
    {
        _ = owner;
    }

    private ReloadingOperationRunner(OperationDescriptor descriptor, ReloadingBackend.Generation generation, OperationRunner inner)
        : base(inner.Operation, inner.BackendName)
    {
        _descriptor = descriptor;
        _bound = new Bound(generation, inner);
    }

    /// <summary>Forwards to the current generation's runner, which records the run spans.</summary>
    protected override bool TracesRuns => false;

    public void Prepare(ReloadingBackend.Generation next) => _pending[next] = next.Backend.Bind(_descriptor);

    public void Abandon(ReloadingBackend.Generation next)
    {
        if (_pending.Remove(next, out var runner))
        {
            runner.Dispose();
        }
    }

    public void Commit(ReloadingBackend.Generation next)
    {
        if (_pending.Remove(next, out var runner))
        {
            Volatile.Write(ref _bound, new Bound(next, runner));
        }
    }

    protected override void RunCore(InferenceCall call, CancellationToken cancellationToken)
    {
        var bound = Acquire();
        var inner = bound.Runner.Rent();
        try
        {
            CopyIn(call, inner);
            bound.Runner.Run(inner, cancellationToken);
            CopyOut(inner, call);
        }
        finally
        {
            bound.Runner.Return(inner);
            bound.Generation.Release();
        }
    }

    protected override async ValueTask RunCoreAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        var bound = Acquire();
        var inner = bound.Runner.Rent();
        try
        {
            CopyIn(call, inner);
            await bound.Runner.RunAsync(inner, cancellationToken).ConfigureAwait(false);
            CopyOut(inner, call);
        }
        finally
        {
            bound.Runner.Return(inner);
            bound.Generation.Release();
        }
    }

    private Bound Acquire()
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            var bound = Volatile.Read(ref _bound);
            if (bound.Generation.TryAcquire())
            {
                return bound;
            }

            // Retired between the read and the acquire: the next read sees the new generation.
            Thread.Yield();
        }
    }

    protected override void Dispose(bool disposing)
    {
        _closed = true;
        base.Dispose(disposing);
    }

    private static void CopyIn(InferenceCall call, InferenceCall inner)
    {
        call.Inputs.AsSpan().CopyTo(inner.Inputs);
        call.OutputProvided.AsSpan().CopyTo(inner.OutputProvided);
        call.Outputs.AsSpan().CopyTo(inner.Outputs);
    }

    private static void CopyOut(InferenceCall inner, InferenceCall call) => inner.Outputs.AsSpan().CopyTo(call.Outputs);

    private sealed record Bound(ReloadingBackend.Generation Generation, OperationRunner Runner);
}
