namespace ModelKit.Processing;

/// <summary>
/// A post-processing step: turns one item's model outputs (and, where it needs them, the inputs the pre-processing step wrote)
/// back into a domain value — an embedding, a label, text lines with boxes, a speech probability.
/// </summary>
/// <typeparam name="TOutput">The domain type a contract method returns.</typeparam>
/// <remarks>
/// <para>
/// The output tensors it reads belong to the runner and are reused by the next call: the returned value must not refer to them
/// (copy out). When the item ran in a padded batch, outputs with a dimension that follows the padded length come back with the
/// batch's padded length unless the step declared that axis in <see cref="StepTensor.PadAxis"/>, in which case the runner trims
/// them to the item's own length first. Reading the item's own inputs (<see cref="ProcessingContext.GetInput"/>, e.g. an attention
/// mask) tells the step which positions are real.
/// </para>
/// <para>A step must be thread-safe: one instance serves concurrent calls.</para>
/// </remarks>
public interface IPostprocessor<out TOutput>
{
    /// <summary>The model outputs this step reads (the only outputs the run fetches).</summary>
    IReadOnlyList<StepTensor> Tensors { get; }

    /// <summary>Builds the domain value from one item's outputs.</summary>
    TOutput Postprocess(ProcessingContext context);
}
