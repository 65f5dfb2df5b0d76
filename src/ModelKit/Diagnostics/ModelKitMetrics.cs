using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ModelKit;

/// <summary>ModelKit's <see cref="System.Diagnostics.Metrics"/> instruments (meter <c>ModelKit</c>).</summary>
public static class ModelKitMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ModelKit";

    private static readonly Meter Meter = new(MeterName, typeof(ModelKitMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Inference runs, tagged by model, backend and outcome.</summary>
    public static readonly Counter<long> Inferences = Meter.CreateCounter<long>("modelkit.inference.count", "{run}", "Model runs.");

    /// <summary>Items (rows) inferred, including those stacked into one run.</summary>
    public static readonly Counter<long> Items = Meter.CreateCounter<long>("modelkit.inference.items", "{item}", "Items inferred.");

    /// <summary>Run duration in seconds.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("modelkit.inference.duration", "s", "Duration of model runs.");

    internal static Meter SharedMeter => Meter;

    /// <summary>Whether anything listens to the inference instruments (when not, runs skip taking timestamps).</summary>
    internal static bool InferenceEnabled => Inferences.Enabled || Duration.Enabled || Items.Enabled;

    /// <summary>A start timestamp for <see cref="RecordInference"/>, or 0 when nothing listens.</summary>
    internal static long StartInference() => InferenceEnabled ? Stopwatch.GetTimestamp() : 0;

    internal static void RecordInference(string model, string backend, long startTimestamp, int items, Exception? error)
    {
        if (startTimestamp == 0 || !InferenceEnabled)
        {
            return;
        }

        var outcome = error switch
        {
            null => "success",
            OperationCanceledException => "canceled",
            TensorMismatchException => "invalid_input",
            _ => "error",
        };
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var backendTag = new KeyValuePair<string, object?>("backend", backend);
        Inferences.Add(1, modelTag, backendTag, new KeyValuePair<string, object?>("outcome", outcome));
        Items.Add(items, modelTag, backendTag);
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, modelTag, backendTag);
    }
}
