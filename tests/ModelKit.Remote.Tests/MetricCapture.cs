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
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
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
        });
        _listener.Start();
    }

    public IReadOnlyList<Dictionary<string, object?>> Measurements => _measurements.ToArray();

    public long Total(string? tag = null, object? value = null) =>
        _measurements.Where(m => tag is null || Equals(m.GetValueOrDefault(tag), value)).Sum(static m => (long)m["value"]!);

    public void Dispose() => _listener.Dispose();
}
