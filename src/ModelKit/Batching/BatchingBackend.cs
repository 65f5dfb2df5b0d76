using ModelKit.Binding;

namespace ModelKit.Batching;

/// <summary>Wraps a backend so every operation bound to it goes through a dynamic batcher.</summary>
public sealed class BatchingBackend : IInferenceBackend
{
    private readonly IInferenceBackend _inner;
    private readonly BatchingOptions _options;
    private readonly OperationRunnerSet _runners = new();

    /// <summary>Wraps <paramref name="inner"/>; throws <see cref="ModelLoadException"/> when the model's dimension 0 is fixed.</summary>
    public BatchingBackend(IInferenceBackend inner, BatchingOptions options)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        foreach (var tensor in inner.Signature.Inputs.Concat(inner.Signature.Outputs))
        {
            if (tensor.Shape.Length == 0 || tensor.Shape[0] >= 0)
            {
                throw new ModelLoadException(inner.ModelName,
                    $"Batching is configured, but '{tensor.Name}' has a fixed dimension 0 ({TensorElementTypes.OnnxName(tensor.ElementType)}{TensorShape.Format(tensor.Shape)}). " +
                    "Dynamic batching stacks calls along dimension 0, so every input and output must have a dynamic first dimension; remove Batching or export the model with a dynamic batch axis.");
            }
        }
    }

    /// <inheritdoc/>
    public string ModelName => _inner.ModelName;

    /// <inheritdoc/>
    public ModelSignature Signature => _inner.Signature;

    /// <inheritdoc/>
    public string Description => $"{_inner.Description}, dynamic batching (max {_options.MaxBatchSize}, delay {_options.MaxQueueDelay.TotalMilliseconds} ms)";

    /// <summary>The wrapped backend.</summary>
    public IInferenceBackend Inner => _inner;

    /// <inheritdoc/>
    public OperationRunner Bind(OperationDescriptor operation)
    {
        return _runners.Add(new BatchingOperationRunner(_inner.Bind(operation), _options));
    }

    /// <summary>Stops the batching loops (queued calls fail with <see cref="ObjectDisposedException"/>) and disposes the inner backend.</summary>
    public void Dispose()
    {
        _runners.DisposeAll();

        _inner.Dispose();
    }
}
