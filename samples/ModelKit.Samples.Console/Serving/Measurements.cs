using System.Diagnostics;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>Latency percentiles of single calls, in microseconds.</summary>
internal sealed record LatencySummary(int Calls, double P50, double P90, double P99, double Mean)
{
    public override string ToString() => $"p50 {P50:F1} µs   p90 {P90:F1} µs   p99 {P99:F1} µs   mean {Mean:F1} µs   ({Calls:N0} calls)";
}

/// <summary>Throughput of batch calls.</summary>
internal sealed record ThroughputSummary(int BatchSize, int Images, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Images / Elapsed.TotalSeconds;

    public double MicrosecondsPerImage => Elapsed.TotalMicroseconds / Images;

    public override string ToString() => $"batch {BatchSize,4}: {ImagesPerSecond,10:N0} images/s   ({MicrosecondsPerImage:F2} µs/image over {Images:N0} images)";
}

/// <summary>What the sample measures on a served digit model.</summary>
internal static class Measurements
{
    /// <summary>Correct answers of the prepared digits <paramref name="labels"/>, classified with batch calls.</summary>
    public static int CountCorrect(IDigitModel model, IReadOnlyList<int> labels, int batchSize = 100)
    {
        var predicted = new int[batchSize];
        int correct = 0;
        for (int start = 0; start < model.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, model.Count - start);
            model.PredictBatch(start, predicted.AsSpan(0, count));
            for (int i = 0; i < count; i++)
            {
                correct += predicted[i] == labels[start + i] ? 1 : 0;
            }
        }

        return correct;
    }

    /// <summary>Times <paramref name="calls"/> single synchronous calls (after a warm-up), cycling through the prepared digits.</summary>
    public static LatencySummary SingleCalls(IDigitModel model, int calls, CancellationToken cancellationToken)
    {
        for (int i = 0; i < Math.Min(calls, 200); i++)
        {
            model.Predict(i % model.Count);
        }

        var ticks = new long[calls];
        for (int i = 0; i < calls; i++)
        {
            if ((i & 255) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            long start = Stopwatch.GetTimestamp();
            model.Predict(i % model.Count);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        return Summarize(ticks);
    }

    /// <summary>Times <paramref name="calls"/> single asynchronous calls, one after another.</summary>
    public static async Task<LatencySummary> SingleCallsAsync(IDigitModel model, int calls, CancellationToken cancellationToken)
    {
        for (int i = 0; i < Math.Min(calls, 200); i++)
        {
            await model.PredictAsync(i % model.Count, cancellationToken).ConfigureAwait(false);
        }

        var ticks = new long[calls];
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await model.PredictAsync(i % model.Count, cancellationToken).ConfigureAwait(false);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        return Summarize(ticks);
    }

    /// <summary>Classifies all prepared digits in batches of <paramref name="batchSize"/>, for at least <paramref name="minimum"/>.</summary>
    public static ThroughputSummary Batches(IDigitModel model, int batchSize, TimeSpan minimum, CancellationToken cancellationToken)
    {
        var labels = new int[batchSize];
        model.PredictBatch(0, labels.AsSpan(0, Math.Min(batchSize, model.Count))); // warm-up
        int images = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (int start = 0; start + batchSize <= model.Count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                model.PredictBatch(start, labels);
                images += batchSize;
            }
        }
        while (clock.Elapsed < minimum);

        return new ThroughputSummary(batchSize, images, clock.Elapsed);
    }

    private static LatencySummary Summarize(long[] ticks)
    {
        Array.Sort(ticks);
        double toMicroseconds = 1_000_000.0 / Stopwatch.Frequency;
        double Percentile(double p) => ticks[Math.Min(ticks.Length - 1, (int)Math.Ceiling(p * ticks.Length) - 1)] * toMicroseconds;
        return new LatencySummary(ticks.Length, Percentile(0.50), Percentile(0.90), Percentile(0.99), ticks.Average() * toMicroseconds);
    }
}
