using System.Collections.Concurrent;
using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// The untyped path: runs a model with named tensors chosen at run time (conformance suites, the server, tools).
/// Operations are bound once per set of input and output names and cached.
/// </summary>
public sealed class DynamicModelClient(IInferenceBackend backend) : IDisposable
{
    private readonly ConcurrentDictionary<string, OperationRunner> _runners = new(StringComparer.Ordinal);

    /// <summary>The backend.</summary>
    public IInferenceBackend Backend { get; } = backend ?? throw new ArgumentNullException(nameof(backend));

    /// <summary>The model's signature.</summary>
    public ModelSignature Signature => Backend.Signature;

    /// <summary>Runs the model; returns the requested outputs (all when <paramref name="outputNames"/> is null) in request order.</summary>
    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames = null, CancellationToken cancellationToken = default)
    {
        var runner = GetRunner(inputs, outputNames);
        var call = runner.Rent();
        try
        {
            Fill(call, inputs);
            runner.Run(call, cancellationToken);
            return Collect(call);
        }
        finally
        {
            runner.Return(call);
        }
    }

    /// <summary>Runs the model asynchronously.</summary>
    public async ValueTask<IReadOnlyList<NamedTensor>> RunAsync(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames = null, CancellationToken cancellationToken = default)
    {
        var runner = GetRunner(inputs, outputNames);
        var call = runner.Rent();
        try
        {
            Fill(call, inputs);
            await runner.RunAsync(call, cancellationToken).ConfigureAwait(false);
            return Collect(call);
        }
        finally
        {
            runner.Return(call);
        }
    }

    /// <summary>The runner for a set of inputs and outputs (bound once, then cached).</summary>
    public OperationRunner GetRunner(IReadOnlyList<NamedTensor> inputs, IReadOnlyList<string>? outputNames)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var key = string.Join('\u0001', inputs.Select(static t => $"{t.Name}\u0002{(int)t.Value.ElementType}"))
            + "\u0003" + (outputNames is null ? "*" : string.Join('\u0001', outputNames));
        if (_runners.TryGetValue(key, out var runner))
        {
            return runner;
        }

        var inputDescriptors = inputs.Select(static t => new TensorDescriptor(t.Name, t.Value.ElementType, null, $"input '{t.Name}'")).ToArray();
        var outputs = outputNames ?? Signature.Outputs.Select(static o => o.Name).ToArray();
        var outputDescriptors = outputs.Select(name =>
        {
            var info = Signature.FindOutput(name);
            return new TensorDescriptor(name, info?.ElementType ?? TensorElementType.Undefined, null, $"output '{name}'");
        }).ToArray();
        var operation = new OperationDescriptor(Backend.ModelName, "Run", inputDescriptors, outputDescriptors);
        var bound = Backend.Bind(operation);
        return _runners.GetOrAdd(key, bound) is var winner && !ReferenceEquals(winner, bound) ? DisposeAndReturn(bound, winner) : bound;
    }

    /// <summary>Disposes the runners this client bound; the backend itself belongs to the registry.</summary>
    public void Dispose()
    {
        foreach (var runner in _runners.Values)
        {
            runner.Dispose();
        }

        _runners.Clear();
    }

    private static OperationRunner DisposeAndReturn(OperationRunner loser, OperationRunner winner)
    {
        loser.Dispose();
        return winner;
    }

    private static void Fill(InferenceCall call, IReadOnlyList<NamedTensor> inputs)
    {
        for (int i = 0; i < inputs.Count; i++)
        {
            call.SetInput(i, inputs[i].Value);
        }
    }

    private static NamedTensor[] Collect(InferenceCall call)
    {
        var results = new NamedTensor[call.Outputs.Length];
        for (int o = 0; o < results.Length; o++)
        {
            results[o] = new NamedTensor(call.Operation.Outputs[o].Name, call.Outputs[o]);
        }

        return results;
    }
}
