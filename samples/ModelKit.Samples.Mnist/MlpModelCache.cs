using System.Globalization;
using ModelKit.OnnxFormat;

namespace ModelKit.Samples.Mnist;

/// <summary>
/// The seeds' MLP as an ONNX file on disk: trained (on the training part of <see cref="MnistDataset.Split"/>) and exported the
/// first time it is asked for, read from the cache afterwards. Shared by the console and Blazor samples.
/// </summary>
public static class MlpModelCache
{
    /// <summary>File name of the cached model (versioned: a change to the trainer or the export gets a new name).</summary>
    public const string FileName = "mnist-mlp-v1.onnx";

    /// <summary>Metadata key holding the accuracy measured on the test split when the model was trained.</summary>
    public const string TestAccuracyKey = "modelkit.test_accuracy";

    /// <summary>Metadata key holding the training time in seconds.</summary>
    public const string TrainingSecondsKey = "modelkit.training_seconds";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The default location: <see cref="FileName"/> in <see cref="MnistDataset.DefaultCacheDirectory"/>.</summary>
    public static string DefaultPath => Path.Combine(MnistDataset.DefaultCacheDirectory, FileName);

    /// <summary>Trains and exports the model to <paramref name="path"/> when the file is missing; returns its full path.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while training (no file is written).</exception>
    public static string EnsureTrained(string path, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        EnsureTrained(path, options: null, progress, cancellationToken: cancellationToken);

    /// <summary>
    /// <see cref="EnsureTrained(string, IProgress{TrainingProgress}?, CancellationToken)"/> off the caller's thread (training takes
    /// seconds; a UI stays responsive and shows <paramref name="progress"/>). Completes at once when the file exists.
    /// </summary>
    public static Task<string> EnsureTrainedAsync(string path, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        return File.Exists(fullPath)
            ? Task.FromResult(fullPath)
            : Task.Run(() => EnsureTrained(fullPath, options: null, progress, cancellationToken: cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Trains (with <paramref name="options"/>, the seeds' defaults when null) and exports the model to <paramref name="path"/> when
    /// the file is missing; returns its full path. Concurrent callers in one process train once; across processes the file is written
    /// atomically (the last finished training wins, every reader sees a whole model).
    /// </summary>
    public static string EnsureTrained(string path, MlpTrainingOptions? options, IProgress<TrainingProgress>? progress = null, string? digitsCacheDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath))
        {
            return fullPath;
        }

        Gate.Wait(cancellationToken);
        try
        {
            if (File.Exists(fullPath))
            {
                return fullPath;
            }

            var trainer = new MlpTrainer(options);
            var (train, test) = MnistDataset.Split(MnistDataset.Load(digitsCacheDirectory));
            var result = trainer.Train(train, progress, cancellationToken);
            var evaluation = result.Model.Evaluate(test);
            var metadata = new Dictionary<string, string>
            {
                [TestAccuracyKey] = evaluation.Accuracy.ToString("R", CultureInfo.InvariantCulture),
                ["modelkit.test_digits"] = evaluation.Count.ToString(CultureInfo.InvariantCulture),
                ["modelkit.train_digits"] = train.Count.ToString(CultureInfo.InvariantCulture),
                ["modelkit.epochs"] = trainer.Options.Epochs.ToString(CultureInfo.InvariantCulture),
                ["modelkit.seed"] = trainer.Options.Seed.ToString(CultureInfo.InvariantCulture),
                [TrainingSecondsKey] = result.Elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
            };

            string temp = $"{fullPath}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
            try
            {
                MlpOnnxExporter.Save(result.Model, temp, metadata);
                File.Move(temp, fullPath, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }

            return fullPath;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The test accuracy recorded in a cached model's metadata, or null when the file has none.</summary>
    public static double? ReadTestAccuracy(string path)
    {
        var metadata = OnnxSignatureReader.Read(path).Metadata;
        return metadata.TryGetValue(TestAccuracyKey, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double accuracy)
            ? accuracy
            : null;
    }
}
