namespace ModelKit.Processing;

/// <summary>
/// A tensor a processing step writes (a pre-processing step's model inputs) or reads (a post-processing step's model outputs).
/// </summary>
/// <param name="Name">The tensor's name in the model graph (e.g. <c>input_ids</c>, <c>last_hidden_state</c>).</param>
/// <param name="ElementType">The element type the step writes or reads.</param>
/// <param name="Shape">The shape of one item's tensor, with <c>-1</c> for the batch dimension and for variable lengths (e.g. <c>[-1, -1]</c>).</param>
/// <remarks>
/// <para>
/// <see cref="PadAxis"/> makes a tensor <em>variable-length</em>: items whose tensors differ in length along that axis are still batched
/// into one run, padded with zeros to the longest item of the run (see <see cref="PaddingDescriptor"/>). A step sets it only where
/// zero padding is invisible to the model, e.g. token ids with an attention mask of zeros over the padding, or an image strip whose
/// width is padded with black.
/// </para>
/// </remarks>
public sealed record StepTensor(string Name, TensorElementType ElementType, long[] Shape)
{
    /// <summary>The axis along which items vary in length and are zero-padded when batched; <c>-1</c> (the default) for none.</summary>
    public int PadAxis { get; init; } = -1;

    /// <summary>The shape as text, e.g. <c>[-1,-1]</c>.</summary>
    public string ShapeText => TensorShape.Format(Shape);

    /// <summary>The tensor as <c>name: ONNX type[shape]</c>, <c>?</c> for variable dimensions.</summary>
    public override string ToString() => $"{Name}: {TensorElementTypes.OnnxName(ElementType)}{ShapeText}";
}
