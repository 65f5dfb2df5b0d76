namespace ModelKit.Samples.Mnist;

/// <summary>
/// Hyper-parameters of <see cref="MlpTrainer"/>. The defaults are the seeds' MLP (784 → 64 ReLU → 64 ReLU → 10 softmax, Adam at 1e-3,
/// batches of 32) trained for 30 epochs on randomly distorted digits: ≈ 96–97% on the test split of <see cref="MnistDataset.Split"/> in a few seconds.
/// </summary>
public sealed class MlpTrainingOptions
{
    /// <summary>Sizes of the hidden (ReLU) layers.</summary>
    public IReadOnlyList<int> HiddenLayers { get; init; } = [64, 64];

    /// <summary>Passes over the training digits.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>Digits per mini-batch (one Adam step each).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam's step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Adam's β₁.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam's β₂.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam's ε.</summary>
    public float Epsilon { get; init; } = 1e-7f;

    /// <summary>Seed of the weight initialisation and of the shuffling: the same seed and data give the same model.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Random distortions of the training digits (<see cref="DigitAugmentation.None"/> trains on them as they are).</summary>
    public DigitAugmentation Augmentation { get; init; } = new();

    /// <summary>Reports progress every this many mini-batches (and at the end of every epoch).</summary>
    public int ProgressInterval { get; init; } = 10;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(HiddenLayers);
        foreach (int units in HiddenLayers)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units, nameof(HiddenLayers));
        }

        ArgumentNullException.ThrowIfNull(Augmentation);
        Augmentation.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ProgressInterval);
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive number.");
        }

        if (!(Beta1 is >= 0 and < 1) || !(Beta2 is >= 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Beta1), "Adam's betas must lie in [0, 1).");
        }

        if (!(Epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Adam's epsilon must be positive.");
        }
    }
}
