using System.Diagnostics.Metrics;

namespace ModelKit.Batching;

/// <summary>Dynamic batching instruments (meter <c>ModelKit</c>).</summary>
internal static class BatchingMetrics
{
    public static readonly Histogram<int> BatchSize = ModelKitMetrics.SharedMeter.CreateHistogram<int>(
        "modelkit.batch.size", "{item}", "Items per batched run.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    public static readonly Histogram<double> QueueDelay = ModelKitMetrics.SharedMeter.CreateHistogram<double>(
        "modelkit.batch.queue_delay", "s", "Time a call waited in the batching queue.");

    public static readonly UpDownCounter<int> QueueLength = ModelKitMetrics.SharedMeter.CreateUpDownCounter<int>(
        "modelkit.batch.queue_length", "{call}", "Calls waiting in batching queues.");

    public static readonly Counter<long> Rejected = ModelKitMetrics.SharedMeter.CreateCounter<long>(
        "modelkit.batch.rejected", "{call}", "Calls rejected because the batching queue was full.");

    /// <summary>Real (unpadded) elements of the length-defining input of variable-length runs (e.g. tokens).</summary>
    public static readonly Counter<long> RealElements = ModelKitMetrics.SharedMeter.CreateCounter<long>(
        "modelkit.batch.real_elements", "{element}", "Real elements of the length-defining input in padded (variable-length) runs.");

    /// <summary>Zero elements added by padding; padding waste = padding / real elements.</summary>
    public static readonly Counter<long> PaddingElements = ModelKitMetrics.SharedMeter.CreateCounter<long>(
        "modelkit.batch.padding_elements", "{element}", "Zero elements added to pad variable-length calls to the longest of their run.");

    public static bool PaddingEnabled => RealElements.Enabled || PaddingElements.Enabled;

    public static void RecordPadding(string model, long real, long padding)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        RealElements.Add(real, tag);
        PaddingElements.Add(padding, tag);
    }
}
