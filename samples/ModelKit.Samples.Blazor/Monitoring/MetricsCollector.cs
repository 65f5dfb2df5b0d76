using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ModelKit.Samples.BlazorApp.Monitoring;

/// <summary>One second of one series.</summary>
/// <param name="Time">The second (UTC).</param>
/// <param name="Runs">Model runs (or server requests) in that second.</param>
/// <param name="Errors">Runs that failed.</param>
/// <param name="P50Ms">Median run duration in milliseconds (NaN when there was no run).</param>
/// <param name="P99Ms">99th percentile run duration in milliseconds (NaN when there was no run).</param>
/// <param name="MeanBatch">Mean items per run (NaN when there was no run).</param>
/// <param name="MaxBatch">Largest run.</param>
public readonly record struct SecondPoint(DateTimeOffset Time, int Runs, int Errors, double P50Ms, double P99Ms, double MeanBatch, int MaxBatch);

/// <summary>A series' totals and its last <see cref="MetricsCollector.WindowSeconds"/> seconds.</summary>
/// <param name="Model">The <c>model</c> tag.</param>
/// <param name="Source">The <c>backend</c> tag (ModelKit's meter) or <c>server/{protocol}</c> (the server's meter).</param>
/// <param name="TotalRuns">Runs (requests) since start.</param>
/// <param name="TotalErrors">Failed runs since start.</param>
/// <param name="RecentP50Ms">Median over the window's durations (NaN when none).</param>
/// <param name="RecentP99Ms">99th percentile over the window's durations (NaN when none).</param>
/// <param name="RequestsPerSecond">Runs per second over the last 10 seconds.</param>
/// <param name="Points">One point per second, oldest first.</param>
public sealed record SeriesSnapshot(
    string Model, string Source, long TotalRuns, long TotalErrors, double RecentP50Ms, double RecentP99Ms, double RequestsPerSecond, IReadOnlyList<SecondPoint> Points);

/// <summary>
/// Listens to ModelKit's instruments (meters <c>ModelKit</c> and <c>ModelKit.Server</c>) with a <see cref="MeterListener"/> and keeps
/// per-second figures of the last minute for the service page: runs per second, p50/p99 latency and items per run (batch size).
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>Seconds kept per series.</summary>
    public const int WindowSeconds = 60;

    private const int MaxDurationsPerSecond = 4096;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Model, string Source), Series> _series = new();
    private readonly TimeProvider _time;

    public MetricsCollector(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name is ModelKitMetrics.MeterName or "ModelKit.Server"
                && instrument.Name is "modelkit.inference.count" or "modelkit.inference.items" or "modelkit.inference.duration"
                    or "modelkit.server.requests" or "modelkit.server.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // Typed callbacks: no boxing per measurement.
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => OnMeasurement(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Every series seen so far, by model then source.</summary>
    public IReadOnlyList<SeriesSnapshot> Snapshot()
    {
        long now = CurrentSecond();
        return _series
            .OrderBy(static p => p.Key.Model, StringComparer.Ordinal)
            .ThenBy(static p => p.Key.Source, StringComparer.Ordinal)
            .Select(p => p.Value.Snapshot(p.Key.Model, p.Key.Source, now))
            .ToList();
    }

    public void Dispose() => _listener.Dispose();

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private long CurrentSecond() => _time.GetUtcNow().ToUnixTimeSeconds();

    private void OnMeasurement(Instrument instrument, double number, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state = null)
    {
        string model = Tag(tags, "model") ?? "?";
        bool server = instrument.Meter.Name != ModelKitMetrics.MeterName;
        string source = server ? $"server/{Tag(tags, "protocol") ?? "?"}" : Tag(tags, "backend") ?? "?";
        var series = _series.GetOrAdd((model, source), static _ => new Series());
        long second = CurrentSecond();
        switch (instrument.Name)
        {
            case "modelkit.inference.count":
            case "modelkit.server.requests":
                series.AddRun(second, Tag(tags, "outcome") is null or "success");
                break;
            case "modelkit.inference.items":
                series.AddItems(second, (int)number);
                break;
            case "modelkit.inference.duration":
            case "modelkit.server.request.duration":
                series.AddDuration(second, number * 1000);
                break;
        }
    }

    private sealed class Bucket
    {
        public long Second = -1;
        public int Runs;
        public int Errors;
        public long Items;
        public int ItemRuns;
        public int MaxItems;
        public readonly List<double> Durations = [];

        public void Reset(long second)
        {
            Second = second;
            Runs = Errors = ItemRuns = MaxItems = 0;
            Items = 0;
            Durations.Clear();
        }
    }

    private sealed class Series
    {
        private readonly Lock _gate = new();
        private readonly Bucket[] _buckets = Enumerable.Range(0, WindowSeconds).Select(static _ => new Bucket()).ToArray();
        private long _totalRuns;
        private long _totalErrors;

        public void AddRun(long second, bool success)
        {
            lock (_gate)
            {
                var bucket = At(second);
                bucket.Runs++;
                _totalRuns++;
                if (!success)
                {
                    bucket.Errors++;
                    _totalErrors++;
                }
            }
        }

        public void AddItems(long second, int items)
        {
            lock (_gate)
            {
                var bucket = At(second);
                bucket.Items += items;
                bucket.ItemRuns++;
                bucket.MaxItems = Math.Max(bucket.MaxItems, items);
            }
        }

        public void AddDuration(long second, double milliseconds)
        {
            lock (_gate)
            {
                var bucket = At(second);
                if (bucket.Durations.Count < MaxDurationsPerSecond)
                {
                    bucket.Durations.Add(milliseconds);
                }
            }
        }

        public SeriesSnapshot Snapshot(string model, string source, long now)
        {
            lock (_gate)
            {
                var points = new SecondPoint[WindowSeconds];
                var all = new List<double>();
                int recentRuns = 0;
                for (int i = 0; i < WindowSeconds; i++)
                {
                    long second = now - WindowSeconds + 1 + i;
                    var bucket = _buckets[(int)(second % WindowSeconds)];
                    var time = DateTimeOffset.FromUnixTimeSeconds(second);
                    if (bucket.Second != second)
                    {
                        points[i] = new SecondPoint(time, 0, 0, double.NaN, double.NaN, double.NaN, 0);
                        continue;
                    }

                    var sorted = bucket.Durations.Order().ToArray();
                    all.AddRange(sorted);
                    if (second > now - 10)
                    {
                        recentRuns += bucket.Runs;
                    }

                    points[i] = new SecondPoint(time, bucket.Runs, bucket.Errors, Percentile(sorted, 0.50), Percentile(sorted, 0.99),
                        bucket.ItemRuns > 0 ? (double)bucket.Items / bucket.ItemRuns : double.NaN, bucket.MaxItems);
                }

                all.Sort();
                return new SeriesSnapshot(model, source, _totalRuns, _totalErrors, Percentile(all, 0.50), Percentile(all, 0.99), recentRuns / 10.0, points);
            }
        }

        private static double Percentile(IReadOnlyList<double> sorted, double quantile) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];

        private Bucket At(long second)
        {
            var bucket = _buckets[(int)(second % WindowSeconds)];
            if (bucket.Second != second)
            {
                bucket.Reset(second);
            }

            return bucket;
        }
    }
}
