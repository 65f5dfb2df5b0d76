using ModelKit.Binding;
using ModelKit.Protocol;

namespace ModelKit.Remote;

/// <summary>
/// Runs a bound operation on the remote server: the call's inputs are encoded straight from the caller's memory, only the
/// outputs the operation reads are requested, and they are decoded into the call (outputs with dynamic dimensions come back
/// with the server's shape). With a fallback configured, a call whose endpoint is unreachable runs on the local model.
/// </summary>
internal sealed class RemoteOperationRunner : OperationRunner
{
    private readonly RemoteBackend _backend;
    private readonly List<InferRequestedOutput> _requestedOutputs;
    private readonly bool _binaryInputs;
    private readonly ProtocolLimits? _responseLimits;
    private readonly Lock _fallbackLock = new();
    private OperationRunner? _fallbackRunner;

    public RemoteOperationRunner(BoundOperation operation, RemoteBackend backend)
        : base(operation, "remote")
    {
        _backend = backend;
        bool binary = backend.Protocol != "rest-json";
        _binaryInputs = binary;
        // FP16/BF16 have no JSON form: they travel binary whatever the protocol.
        _requestedOutputs = operation.Outputs
            .Select(o => new InferRequestedOutput(o.Name, binary || InferenceDataTypes.RequiresBinary(o.ElementType) ? true : null))
            .ToList();
        _responseLimits = RemoteResponse.LimitsFor(operation.Outputs.Select(static o => (o.Name, o.ElementType)));
    }

    /// <summary>The model runs on the server: the remote request span (<c>ModelKit.Remote</c>) stands for the run here.</summary>
    protected override bool TracesRuns => false;

    protected override void RunCore(InferenceCall call, CancellationToken cancellationToken) =>
        RunCoreAsync(call, cancellationToken).AsTask().GetAwaiter().GetResult();

    protected override async ValueTask RunCoreAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        if (!_backend.HasFallback)
        {
            await RunRemoteAsync(call, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await RunRemoteAsync(call, cancellationToken).ConfigureAwait(false);
            _backend.NoteRemoteSucceeded();
        }
        catch (RemoteInferenceException ex) when (ex.IsTransient)
        {
            // The endpoint is down, cut the connection, stalls or refuses work (503 after retries): the same call runs
            // locally. Inference is a pure function of its inputs, so running it here after the server may have started it
            // costs compute, never correctness. A rejection (4xx, 500, a bad answer) is raised: the server is there and said no.
            _backend.NoteFallback(ex);
            await RunFallbackAsync(call, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_fallbackLock)
            {
                _fallbackRunner?.Dispose();
                _fallbackRunner = null;
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask RunRemoteAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        // The request object travels with the pooled call (a call runs once at a time), so only its tensors are new.
        if (call.BackendState is not InferenceRequest request)
        {
            request = new InferenceRequest { Outputs = _requestedOutputs };
            call.BackendState = request;
        }

        request.Inputs.Clear();
        var names = Operation.InputNames;
        for (int i = 0; i < call.Inputs.Length; i++)
        {
            request.Inputs.Add(new InferTensor(names[i], call.Inputs[i]) { Binary = _binaryInputs });
        }

        try
        {
            using var response = await _backend.Transport.InferAsync(request, _responseLimits, cancellationToken).ConfigureAwait(false);
            for (int o = 0; o < call.Outputs.Length; o++)
            {
                SetOutput(call, o, response);
            }
        }
        finally
        {
            request.Inputs.Clear(); // drop the references to the caller's memory
        }
    }

    private void SetOutput(InferenceCall call, int o, RemoteResponse response)
    {
        var bound = Operation.Outputs[o];
        var tensor = response.Response.FindOutput(bound.Name)
            ?? throw BadOutput($"the response has no output '{bound.Name}' (it has {string.Join(", ", response.Response.Outputs.Select(static t => $"'{t.Name}'").DefaultIfEmpty("none"))})");
        var value = tensor.Value;
        if (value.ElementType != bound.ElementType)
        {
            string expected = bound.ElementType == TensorElementType.Binary
                ? $"BYTES with binary elements ({bound.Descriptor.Member} is {TensorElementTypes.ClrName(bound.ElementType)})"
                : InferenceDataTypes.FromElementType(bound.ElementType);
            throw BadOutput($"output '{bound.Name}' came back as {tensor.Datatype}{(value.ElementType == TensorElementType.Binary ? " (binary elements)" : string.Empty)}, but {Operation.Descriptor.DisplayName} expects {expected}");
        }

        if (!TensorShape.Matches(bound.Shape, value.Shape))
        {
            throw BadOutput($"output '{bound.Name}' came back with shape {TensorShape.Format(value.Shape)}, but {Operation.Descriptor.DisplayName} expects {TensorShape.Format(bound.Shape)}");
        }

        if (call.OutputProvided[o])
        {
            var target = call.Outputs[o].Buffer;
            if (target.Length != value.Buffer.Length)
            {
                throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                    $"a destination of {value.Buffer.Length} elements (shape {TensorShape.Format(value.Shape)})", $"{target.Length} elements");
            }

            // Binary elements are views: over the pooled body they are detached first, so the destination keeps bytes that stay.
            (value.ElementType == TensorElementType.Binary ? response.Detach(tensor) : value).Buffer.CopyTo(target);
            call.Outputs[o] = new TensorValue(value.Shape, target);
        }
        else
        {
            // A view over the pooled response body, which goes back to the pool, is copied out; anything else is kept as it is.
            call.Outputs[o] = response.Detach(tensor);
        }
    }

    private RemoteInferenceException BadOutput(string problem) =>
        new(Operation.ModelName, _backend.Target.EndpointText, $"{Operation.Descriptor.DisplayName}: {problem}");

    private async ValueTask RunFallbackAsync(InferenceCall call, CancellationToken cancellationToken)
    {
        var runner = GetFallbackRunner();
        var local = runner.Rent();
        try
        {
            for (int i = 0; i < call.Inputs.Length; i++)
            {
                local.SetInput(i, call.Inputs[i]);
            }

            for (int o = 0; o < call.Outputs.Length; o++)
            {
                if (call.OutputProvided[o])
                {
                    local.Outputs[o] = call.Outputs[o];
                    local.OutputProvided[o] = true;
                }
            }

            await runner.RunAsync(local, cancellationToken).ConfigureAwait(false);
            for (int o = 0; o < call.Outputs.Length; o++)
            {
                call.Outputs[o] = local.Outputs[o];
            }
        }
        finally
        {
            runner.Return(local);
        }
    }

    private OperationRunner GetFallbackRunner()
    {
        var runner = Volatile.Read(ref _fallbackRunner);
        if (runner is not null)
        {
            return runner;
        }

        lock (_fallbackLock)
        {
            return _fallbackRunner ??= _backend.GetFallback().Bind(Operation.Descriptor);
        }
    }
}
