using System.ComponentModel;
using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// A call bound once to the caller's input and output memory and run many times: the caller writes new input values into the
/// same buffers, calls <see cref="Run"/>, and reads the outputs from its own destinations. On ONNX Runtime the buffers stay pinned and
/// bound to the session for the prepared call's lifetime, so a run is one native call — for tiny models, where the per-call binding
/// is most of the cost. Declare it in a contract as a method returning <see cref="PreparedCall"/> with the same parameters as the
/// operation (outputs as <c>[Output]</c> destinations), e.g. <c>PreparedCall PrepareAdd(ReadOnlyMemory&lt;float&gt; a, …, [Output] Memory&lt;float&gt; sum)</c>.
/// </summary>
/// <remarks>
/// Not thread-safe: one prepared call runs on one thread at a time (prepare one per thread). The buffers must not be replaced:
/// their contents may change between runs, their addresses are fixed. Where a backend cannot bind once (remote, dynamic batching,
/// hot reload, outputs whose shape is known only after the run), a run takes the ordinary path with the same results. Spans and
/// metrics are recorded as for any call when a listener is attached. Dispose it to unpin the buffers.
/// </remarks>
public sealed class PreparedCall : IDisposable
{
    private readonly OperationRunner _runner;
    private readonly InferenceCall _call;
    private readonly PreparedRun? _direct;
    private int _disposed;

    internal PreparedCall(OperationRunner runner, InferenceCall call, PreparedRun? direct)
    {
        _runner = runner;
        _call = call;
        _direct = direct;
    }

    /// <summary>Whether runs go straight to the backend's bound native call (false: through the ordinary path).</summary>
    public bool IsBound => _direct is not null;

    /// <summary>Runs the model on the current contents of the bound buffers; the outputs land in the caller's destinations.</summary>
    public void Run(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var direct = _direct;
        if (direct is null || _runner.IsDisposed || ModelKitActivitySource.Source.HasListeners() || ModelKitMetrics.InferenceEnabled)
        {
            _runner.Run(_call, cancellationToken);
            return;
        }

        direct.Run(cancellationToken);
    }

    /// <summary>Runs the model; completes synchronously on in-process backends.</summary>
    public ValueTask RunAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_direct is null || _runner.IsDisposed || ModelKitActivitySource.Source.HasListeners() || ModelKitMetrics.InferenceEnabled)
        {
            return _runner.RunAsync(_call, cancellationToken);
        }

        try
        {
            _direct.Run(cancellationToken);
            return default;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>Unbinds and unpins the buffers and returns the call to its runner.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _direct?.Dispose();
        _runner.Return(_call);
    }
}

/// <summary>
/// A backend's bound form of a <see cref="PreparedCall"/> (see <see cref="OperationRunner.Prepare"/>): its buffers pinned and
/// bound once, run with one native call. Backends return one from <c>PrepareCore</c>; apps use <see cref="PreparedCall"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class PreparedRun : IDisposable
{
    /// <summary>Runs the bound call.</summary>
    public abstract void Run(CancellationToken cancellationToken);

    /// <summary>Releases the binding and unpins the buffers.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the binding and unpins the buffers.</summary>
    protected abstract void Dispose(bool disposing);
}
