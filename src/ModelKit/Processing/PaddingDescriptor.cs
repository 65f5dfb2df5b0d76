namespace ModelKit.Processing;

/// <summary>
/// How an operation's variable-length tensors are batched: which inputs are zero-padded along which axis, which outputs are
/// trimmed back to each item's length, and how runs are grouped by length so that padding never costs more than it saves.
/// </summary>
/// <remarks>
/// <para>
/// Batching a variable-length operation (<c>PredictBatch</c>, or dynamic batching of concurrent calls) sorts the items by length and
/// cuts them into runs: an item joins the current run while the run's padded elements stay within <see cref="MaxPaddingWaste"/>
/// of its real elements (<c>count × longest ≤ (1 + MaxPaddingWaste) × sum of lengths</c>), the run has at most
/// <see cref="MaxRunElements"/> padded positions (long items gain nothing from batching and only grow memory), and the run
/// has at most the batcher's maximum batch size. Each item gets its own rows back; outputs listed in <see cref="Outputs"/> are
/// trimmed to the item's own length (<c>ceil(padded output length × item length / padded input length)</c>: exact when the
/// output follows the input one to one, as hidden states do, or by a fixed ratio, as a CTC recognizer's time steps follow
/// an image strip's width).
/// </para>
/// <para>Usually built from the processing steps' <see cref="StepTensor.PadAxis"/> declarations (see <see cref="ProcessedOperation{TInput,TOutput}"/>).</para>
/// </remarks>
/// <param name="Inputs">Inputs padded with zeros along an axis (≥ 1); the first one's length is the item's length for grouping and trimming.</param>
/// <param name="Outputs">Outputs trimmed per item along an axis; outputs not listed keep the run's padded length.</param>
public sealed record PaddingDescriptor(IReadOnlyList<PaddedTensor> Inputs, IReadOnlyList<PaddedTensor> Outputs)
{
    /// <summary>Padded elements allowed per real element in one run (0.1 = 10% padding). Default 0.1.</summary>
    public double MaxPaddingWaste { get; init; } = 0.1;

    /// <summary>Most padded positions (items × longest length) in one run. Default 8192.</summary>
    public int MaxRunElements { get; init; } = 8192;
}

/// <summary>A tensor that varies in length along <paramref name="Axis"/> (an axis after the batch dimension).</summary>
public readonly record struct PaddedTensor(string Name, int Axis);
