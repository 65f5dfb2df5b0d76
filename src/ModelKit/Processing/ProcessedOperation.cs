using ModelKit.Binding;

namespace ModelKit.Processing;

/// <summary>
/// A contract operation with processing around the model: <typeparamref name="TInput"/> → pre-processing step → model (any backend:
/// ONNX Runtime, remote, batched) → post-processing step → <typeparamref name="TOutput"/>. Generated clients hold one per method that
/// names steps; hosts (the server, the <c>IEmbeddingGenerator</c> adapter) create one directly.
/// </summary>
/// <remarks>
/// <para>
/// The operation's tensors are the steps' tensors: the pre-processing step's as inputs, the post-processing step's as outputs, and
/// its <see cref="OperationDescriptor.Padding"/> comes from their <see cref="StepTensor.PadAxis"/> declarations, so
/// <see cref="RunBatch"/> and dynamic batching pad variable-length items and group them by length.
/// </para>
/// <para>Thread-safe. The backend owns the bound runner (disposing the backend disposes it).</para>
/// </remarks>
public sealed class ProcessedOperation<TInput, TOutput>
{
    /// <summary>Binds the operation <paramref name="contract"/>.<paramref name="method"/> to <paramref name="backend"/>; throws <see cref="ModelContractMismatchException"/> when the steps' tensors do not fit the model.</summary>
    public ProcessedOperation(IInferenceBackend backend, string contract, string method, IPreprocessor<TInput> preprocessor, IPostprocessor<TOutput> postprocessor)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Preprocessor = preprocessor ?? throw new ArgumentNullException(nameof(preprocessor));
        Postprocessor = postprocessor ?? throw new ArgumentNullException(nameof(postprocessor));
        Descriptor = Describe(contract, method, preprocessor.Tensors, postprocessor.Tensors);
        Runner = backend.Bind(Descriptor);
    }

    /// <summary>The pre-processing step.</summary>
    public IPreprocessor<TInput> Preprocessor { get; }

    /// <summary>The post-processing step.</summary>
    public IPostprocessor<TOutput> Postprocessor { get; }

    /// <summary>The operation as bound: the steps' tensors and padding.</summary>
    public OperationDescriptor Descriptor { get; }

    /// <summary>The runner the operation is bound to.</summary>
    public OperationRunner Runner { get; }

    /// <summary>Describes an operation whose tensors are the given steps' tensors, with padding from their <see cref="StepTensor.PadAxis"/>.</summary>
    internal static OperationDescriptor Describe(string contract, string method, IReadOnlyList<StepTensor> inputs, IReadOnlyList<StepTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var inputDescriptors = inputs.Select(t => new TensorDescriptor(t.Name, t.ElementType, (long[])t.Shape.Clone(), $"pre-processing tensor '{t.Name}'")).ToArray();
        var outputDescriptors = outputs.Select(t => new TensorDescriptor(t.Name, t.ElementType, (long[])t.Shape.Clone(), $"post-processing tensor '{t.Name}'")).ToArray();
        var paddedInputs = inputs.Where(static t => t.PadAxis >= 0).Select(static t => new PaddedTensor(t.Name, t.PadAxis)).ToArray();
        var paddedOutputs = outputs.Where(static t => t.PadAxis >= 0).Select(static t => new PaddedTensor(t.Name, t.PadAxis)).ToArray();
        return new OperationDescriptor(contract, method, inputDescriptors, outputDescriptors)
        {
            Padding = paddedInputs.Length > 0 ? new PaddingDescriptor(paddedInputs, paddedOutputs) : null,
        };
    }

    /// <summary>Processes and runs one item.</summary>
    public TOutput Run(TInput input, CancellationToken cancellationToken = default)
    {
        var call = Runner.Rent();
        var context = ProcessingContext.For(call);
        try
        {
            Preprocessor.Preprocess(input, context);
            Runner.Run(call, cancellationToken);
            return Postprocessor.Postprocess(context);
        }
        finally
        {
            context.Release();
            Runner.Return(call);
        }
    }

    /// <summary>Processes and runs one item asynchronously (completes synchronously on an in-process backend without batching).</summary>
    public ValueTask<TOutput> RunAsync(TInput input, CancellationToken cancellationToken = default)
    {
        var call = Runner.Rent();
        var context = ProcessingContext.For(call);
        ValueTask pending;
        try
        {
            Preprocessor.Preprocess(input, context);
            pending = Runner.RunAsync(call, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                var result = Postprocessor.Postprocess(context);
                context.Release();
                Runner.Return(call);
                return new ValueTask<TOutput>(result);
            }
        }
        catch
        {
            context.Release();
            Runner.Return(call);
            throw;
        }

        return Awaited(pending, call, context);
    }

    /// <summary>
    /// Processes and runs several items: padded to the longest of each run and grouped by length where the steps declare variable
    /// lengths, stacked where the model's batch dimension is dynamic, else one run each. Results are in input order.
    /// </summary>
    public TOutput[] RunBatch(IReadOnlyList<TInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var calls = RentAll(inputs.Count);
        try
        {
            for (int i = 0; i < calls.Length; i++)
            {
                Preprocessor.Preprocess(inputs[i], calls[i].Processing!);
            }

            Runner.RunBatch(calls, cancellationToken);
            return Collect(calls);
        }
        finally
        {
            ReturnAll(calls);
        }
    }

    /// <summary>Asynchronous <see cref="RunBatch"/>.</summary>
    public async ValueTask<TOutput[]> RunBatchAsync(IReadOnlyList<TInput> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var calls = RentAll(inputs.Count);
        try
        {
            for (int i = 0; i < calls.Length; i++)
            {
                Preprocessor.Preprocess(inputs[i], calls[i].Processing!);
            }

            await Runner.RunBatchAsync(calls, cancellationToken).ConfigureAwait(false);
            return Collect(calls);
        }
        finally
        {
            ReturnAll(calls);
        }
    }

    private InferenceCall[] RentAll(int count)
    {
        var calls = new InferenceCall[count];
        for (int i = 0; i < count; i++)
        {
            calls[i] = Runner.Rent();
            ProcessingContext.For(calls[i]);
        }

        return calls;
    }

    private TOutput[] Collect(InferenceCall[] calls)
    {
        var results = new TOutput[calls.Length];
        for (int i = 0; i < calls.Length; i++)
        {
            results[i] = Postprocessor.Postprocess(calls[i].Processing!);
        }

        return results;
    }

    private void ReturnAll(InferenceCall[] calls)
    {
        foreach (var call in calls)
        {
            call.Processing?.Release();
            Runner.Return(call);
        }
    }

    private async ValueTask<TOutput> Awaited(ValueTask pending, InferenceCall call, ProcessingContext context)
    {
        try
        {
            await pending.ConfigureAwait(false);
            return Postprocessor.Postprocess(context);
        }
        finally
        {
            context.Release();
            Runner.Return(call);
        }
    }
}
