using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Tests;

public sealed class MlpTrainerTests
{
    [Fact]
    public void ShortTrainingReducesLossAndBeatsNinetyPercent()
    {
        var trainer = new MlpTrainer(Digits.ShortRun());
        var before = trainer.CreateInitialModel().Evaluate(Digits.Test);

        var result = trainer.Train(Digits.Train);
        var after = result.Model.Evaluate(Digits.Test);

        Assert.Equal(3, result.EpochLosses.Count);
        Assert.True(result.EpochLosses[2] < result.EpochLosses[0], $"epoch losses {string.Join(", ", result.EpochLosses)}");
        Assert.True(before.Loss > 2.0, $"untrained test loss {before.Loss}");   // ~ln 10 before training
        Assert.True(after.Loss < before.Loss / 4, $"test loss {before.Loss} → {after.Loss}");
        Assert.True(after.Accuracy > 0.90, $"test accuracy {after.Accuracy:P2} after {result.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void SameSeedGivesTheSameWeights_OtherSeedDoesNot()
    {
        var subset = Digits.Train.Take(1000).ToArray();
        var first = new MlpTrainer(new MlpTrainingOptions { Epochs = 1, Seed = 5 }).Train(subset).Model;
        var second = new MlpTrainer(new MlpTrainingOptions { Epochs = 1, Seed = 5 }).Train(subset).Model;
        var other = new MlpTrainer(new MlpTrainingOptions { Epochs = 1, Seed = 6 }).Train(subset).Model;

        Assert.Equal(MlpOnnxExporter.ToBytes(first), MlpOnnxExporter.ToBytes(second));
        Assert.NotEqual(MlpOnnxExporter.ToBytes(first), MlpOnnxExporter.ToBytes(other));
    }

    [Fact]
    public void ReportsProgressUpToTheWholeRun()
    {
        var subset = Digits.Train.Take(640).ToArray();
        var reports = new List<TrainingProgress>();
        new MlpTrainer(new MlpTrainingOptions { Epochs = 2, BatchSize = 32, ProgressInterval = 5 })
            .Train(subset, new InlineProgress<TrainingProgress>(reports.Add));

        // 20 batches per epoch, a report every 5: 4 per epoch, the 4th closing it.
        Assert.Equal(8, reports.Count);
        Assert.All(reports, r => Assert.Equal(20, r.BatchesPerEpoch));
        Assert.Equal([5, 10, 15, 20, 5, 10, 15, 20], reports.Select(r => r.Batch));
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2], reports.Select(r => r.Epoch));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.FractionDone > p.First.FractionDone));
        Assert.Equal(1.0, reports[^1].FractionDone, 12);
        Assert.Equal(2, reports.Count(r => r.IsEpochEnd));
        Assert.All(reports, r => Assert.True(r.Loss > 0 && double.IsFinite(r.Loss)));
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        using var cts = new CancellationTokenSource();
        int reports = 0;
        var progress = new InlineProgress<TrainingProgress>(_ =>
        {
            if (++reports == 2)
            {
                cts.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new MlpTrainer(new MlpTrainingOptions { Epochs = 50, ProgressInterval = 1 }).Train(Digits.Train, progress, cts.Token));
        Assert.Equal(2, reports);
    }

    [Fact]
    public void RejectsBadOptionsAndDigits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(new MlpTrainingOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(new MlpTrainingOptions { LearningRate = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(new MlpTrainingOptions { HiddenLayers = [64, 0] }));
        var trainer = new MlpTrainer();
        Assert.Throws<ArgumentException>(() => trainer.Train([new MnistDigit(new float[10], 3)]));
        Assert.Throws<ArgumentException>(() => trainer.Train([new MnistDigit(new float[784], 10)]));
    }

    [Fact]
    public void AugmentationKeepsInkAndMovesIt()
    {
        var digit = Digits.Train[0].Pixels;
        var distorted = new float[784];
        new DigitAugmentation { MaxRotationDegrees = 0, MaxScale = 0, MaxShift = 0 }.Apply(digit, distorted, new Random(1));
        Assert.Equal(digit, distorted);

        var shifted = new float[784];
        new DigitAugmentation().Apply(digit, shifted, new Random(1));
        Assert.NotEqual(digit, shifted);
        float ink = digit.Sum(), shiftedInk = shifted.Sum();
        Assert.InRange(shiftedInk, ink * 0.75f, ink * 1.25f);    // scale ±10% changes the area by at most ~21%
    }
}
