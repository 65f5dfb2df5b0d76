namespace ModelKit.Processing;

/// <summary>
/// A pre-processing step: turns one domain value (a string, an image, a chunk of audio…) into the model's input tensors for one item.
/// </summary>
/// <typeparam name="TInput">The domain type a contract method takes.</typeparam>
/// <remarks>
/// <para>
/// Steps are ordinary classes: registered in dependency injection (keyed by model name, or unkeyed for every model), unit-testable
/// on their own, and replaceable by registering another implementation. The same instance runs wherever the model runs: in-process,
/// in a client of a remote endpoint (tensors on the wire) and inside the server when it hosts the processing with the model.
/// </para>
/// <para>
/// A step writes each tensor it declares in <see cref="Tensors"/> through <see cref="ProcessingContext.SetInput"/>, using
/// <see cref="ProcessingContext.Rent{T}"/> for buffers that live until the call completes, so a steady-state call allocates nothing.
/// For a batch, the step runs once per item; items of different lengths are padded by the runner (see <see cref="StepTensor.PadAxis"/>),
/// never by the step.
/// </para>
/// <para>A step must be thread-safe: one instance serves concurrent calls.</para>
/// </remarks>
public interface IPreprocessor<in TInput>
{
    /// <summary>The model inputs this step writes for one item (checked against the model when the operation is bound).</summary>
    IReadOnlyList<StepTensor> Tensors { get; }

    /// <summary>Writes the model inputs for <paramref name="input"/>. Throws <see cref="ProcessingException"/> for input it cannot process.</summary>
    void Preprocess(TInput input, ProcessingContext context);
}
