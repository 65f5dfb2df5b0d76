namespace ModelKit.Samples.Mnist;

/// <summary>Where a training run stands, reported through <see cref="IProgress{T}"/> (a UI can draw a progress bar from <see cref="FractionDone"/>).</summary>
/// <param name="Epoch">The current epoch, 1-based.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Batch">Mini-batches finished in the current epoch, 1-based.</param>
/// <param name="BatchesPerEpoch">Mini-batches in one epoch.</param>
/// <param name="Loss">Mean cross-entropy of the current epoch's digits so far.</param>
/// <param name="Accuracy">Fraction of the current epoch's digits so far that the model classified correctly before its update.</param>
/// <param name="FractionDone">Fraction of the whole run done, 0..1.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int BatchesPerEpoch, double Loss, double Accuracy, double FractionDone)
{
    /// <summary>Whether this report closes an epoch.</summary>
    public bool IsEpochEnd => Batch == BatchesPerEpoch;

    public override string ToString() =>
        $"epoch {Epoch}/{Epochs} batch {Batch}/{BatchesPerEpoch} loss {Loss:F4} accuracy {Accuracy:P1} ({FractionDone:P0})";
}
