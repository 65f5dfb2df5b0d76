using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// A backend whose "model" is a pipeline: processing around one or more networks (tokenization → a text encoder → pooling; image
/// decoding → detection → recognition…), served as one model with its own <see cref="Signature"/> (e.g. BYTES text in, FP32
/// embeddings out). Subclasses compute every output from the inputs in <see cref="RunAsync"/>; binding, the call's tensor order and
/// caller-provided output buffers are handled here. Created by the backend provider of a <see cref="ProcessingOptions.Kind"/>.
/// </summary>
public abstract class PipelineBackend : IInferenceBackend
{
    /// <summary>A pipeline named <paramref name="modelName"/>.</summary>
    protected PipelineBackend(string modelName)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        ModelName = modelName;
    }

    /// <inheritdoc />
    public string ModelName { get; }

    /// <inheritdoc />
    public abstract ModelSignature Signature { get; }

    /// <inheritdoc />
    public abstract string Description { get; }

    /// <summary>The short backend name for metrics and logs (e.g. <c>text-embedding</c>).</summary>
    protected abstract string BackendName { get; }

    /// <inheritdoc />
    public OperationRunner Bind(OperationDescriptor operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return new Runner(BoundOperation.Bind(operation, ModelName, Signature), this);
    }

    /// <summary>
    /// Runs the pipeline: <paramref name="inputs"/> in the order of <see cref="ModelSignature.Inputs"/> (shapes and element types already
    /// checked against the signature), every output in the order of <see cref="ModelSignature.Outputs"/> returned.
    /// </summary>
    /// <exception cref="Processing.ProcessingException">The inputs cannot be processed (a server answers 400).</exception>
    protected abstract ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken);

    /// <summary>
    /// Inputs for a warm-up run (in the order of <see cref="ModelSignature.Inputs"/>), or null for zero-filled ones (empty strings for
    /// BYTES). A pipeline whose zero inputs are invalid (an image input) returns valid ones.
    /// </summary>
    public virtual TensorValue[]? CreateWarmupInputs() => null;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the networks the pipeline runs.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class Runner(BoundOperation operation, PipelineBackend owner) : OperationRunner(operation, owner.BackendName)
    {
        protected override void RunCore(InferenceCall call, CancellationToken cancellationToken) =>
            RunCoreAsync(call, cancellationToken).AsTask().GetAwaiter().GetResult();

        protected override async ValueTask RunCoreAsync(InferenceCall call, CancellationToken cancellationToken)
        {
            var signature = owner.Signature;
            var inputs = new TensorValue[signature.Inputs.Count];
            for (int i = 0; i < Operation.Inputs.Count; i++)
            {
                inputs[Operation.Inputs[i].ModelIndex] = call.Inputs[i];
            }

            var outputs = await owner.RunAsync(inputs, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < Operation.Outputs.Count; i++)
            {
                var value = outputs[Operation.Outputs[i].ModelIndex];
                if (call.OutputProvided[i])
                {
                    var destination = call.Outputs[i];
                    if (destination.Buffer.Length != value.Buffer.Length)
                    {
                        var bound = Operation.Outputs[i];
                        throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                            $"a destination of {value.Buffer.Length} elements (shape {value.ShapeText})", $"{destination.Buffer.Length} elements");
                    }

                    value.Buffer.CopyTo(destination.Buffer);
                    call.Outputs[i] = new TensorValue(value.Shape, destination.Buffer);
                }
                else
                {
                    call.Outputs[i] = value;
                }
            }
        }
    }
}
