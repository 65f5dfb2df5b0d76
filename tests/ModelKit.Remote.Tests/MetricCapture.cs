using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ModelKit.Remote.Tests;

/// <summary>Collects the measurements of one instrument whose tags include <c>model = {model}</c>.</summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Dictionary<string, object?>> _measurements = new();

    public MetricCapture(string meter, string instrument, string model)
    {
        _listener.InstrumentPublished = (i, listener) =>
        {
            if (i.Meter.Name == meter && i.Name == instrument)
            {
                listener.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Record(value, tags, model));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) => Record(value, tags, model));
        _listener.Start();
    }

    public IReadOnlyList<Dictionary<string, object?>> Measurements => _measurements.ToArray();

    /// <summary>How many measurements were recorded (for histograms: how many values).</summary>
    public int Count => _measurements.Count;

    public long Total(string? tag = null, object? value = null) =>
        _measurements.Where(m => tag is null || Equals(m.GetValueOrDefault(tag), value)).Sum(static m => Convert.ToInt64(m["value"], System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => _listener.Dispose();

    private void Record(object value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string model)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal) { ["value"] = value };
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }

        if (Equals(map.GetValueOrDefault("model"), model))
        {
            _measurements.Enqueue(map);
        }
    }
}
