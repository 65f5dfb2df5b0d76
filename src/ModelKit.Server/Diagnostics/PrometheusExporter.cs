using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ModelKit.Server;

/// <summary>
/// Collects <see cref="System.Diagnostics.Metrics"/> measurements with a <see cref="MeterListener"/> and writes them in the
/// Prometheus text exposition format (0.0.4): counters as <c>_total</c>, up-down counters and gauges as gauges, histograms as
/// cumulative <c>_bucket</c>/<c>_sum</c>/<c>_count</c>. Listens to the server's meter and to ModelKit's own meters.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] SecondsBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly double[] DefaultBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();

    /// <summary>Listens to <paramref name="serverMetrics"/>' meter and to every meter named <c>ModelKit</c> or <c>ModelKit.*</c> that is not another server's.</summary>
    public PrometheusExporter(ServerMetrics serverMetrics)
    {
        ArgumentNullException.ThrowIfNull(serverMetrics);
        var own = serverMetrics.Meter;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                bool wanted = ReferenceEquals(instrument.Meter, own)
                    || (instrument.Meter.Name != ServerMetrics.MeterName
                        && (instrument.Meter.Name == "ModelKit" || instrument.Meter.Name.StartsWith("ModelKit.", StringComparison.Ordinal)));
                if (wanted)
                {
                    _instruments[instrument] = new InstrumentState(instrument);
                    listener.EnableMeasurementEvents(instrument, _instruments[instrument]);
                }
            },
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _),
        };
        _listener.SetMeasurementEventCallback<long>(static (i, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (i, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (i, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (i, v, tags, s) => ((InstrumentState)s!).Record(v, tags));
        _listener.Start();
    }

    /// <summary>The current values in Prometheus text format.</summary>
    public string Collect()
    {
        _listener.RecordObservableInstruments();
        var builder = new StringBuilder(4096);
        foreach (var state in _instruments.Values.OrderBy(static s => s.Name, StringComparer.Ordinal))
        {
            state.WriteTo(builder);
        }

        return builder.ToString();
    }

    /// <summary>Stops listening to the meters.</summary>
    public void Dispose() => _listener.Dispose();

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }

    private static string Escape(string? value) =>
        (value ?? string.Empty).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class InstrumentState
    {
        private const int FastPathSeries = 8;

        // Series by an order-independent hash of their tags; each bucket is an immutable array replaced under _gate when a new
        // series appears. Recording a measurement of a known series takes no lock and allocates nothing.
        private readonly ConcurrentDictionary<int, Series[]> _series = new();
        private readonly Lock _gate = new();

        // The first series in creation order, searched first by reference: instrumented code passes the same tag key and value
        // instances on every call (literals, a model's own name), so the usual measurement finds its series with a few pointer
        // comparisons, without hashing strings. Anything else (boxed numbers, strings built per call) takes the hash path.
        private Series[] _recent = [];
        private readonly string _kind;
        private readonly double[] _bounds;
        private readonly string _help;
        private readonly bool _observable;
        private readonly bool _isHistogram;

        public InstrumentState(Instrument instrument)
        {
            string baseName = Sanitize(instrument.Name);
            string unitSuffix = instrument.Unit == "s" ? "_seconds" : instrument.Unit == "By" ? "_bytes" : string.Empty;
            if (unitSuffix.Length > 0 && !baseName.EndsWith(unitSuffix, StringComparison.Ordinal))
            {
                baseName += unitSuffix;
            }

            _help = Escape(instrument.Description ?? instrument.Name);
            _observable = instrument.IsObservable;
            switch (instrument)
            {
                case Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>:
                    _kind = "counter";
                    Name = baseName.EndsWith("_total", StringComparison.Ordinal) ? baseName : baseName + "_total";
                    _bounds = [];
                    break;
                case Histogram<double> or Histogram<float> or Histogram<long> or Histogram<int>:
                    _kind = "histogram";
                    _isHistogram = true;
                    Name = baseName;
                    _bounds = AdvisedBounds(instrument) ?? (instrument.Unit == "s" ? SecondsBuckets : DefaultBuckets);
                    break;
                default:
                    _kind = "gauge";
                    Name = baseName;
                    _bounds = [];
                    break;
            }
        }

        public string Name { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = Find(tags);
            if (_isHistogram)
            {
                int bucket = Array.BinarySearch(_bounds, value);
                Interlocked.Increment(ref series.Buckets[bucket < 0 ? ~bucket : bucket]);
                Series.Add(ref series.Sum, value);
                Interlocked.Increment(ref series.Count);
            }
            else if (_observable)
            {
                // Observable instruments report their current (cumulative) value.
                Volatile.Write(ref series.Sum, value);
            }
            else
            {
                Series.Add(ref series.Sum, value);
            }
        }

        private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var candidate in Volatile.Read(ref _recent))
            {
                if (candidate.SameInstances(tags))
                {
                    return candidate;
                }
            }

            int hash = Hash(tags);
            if (_series.TryGetValue(hash, out var candidates))
            {
                foreach (var candidate in candidates)
                {
                    if (candidate.Matches(tags))
                    {
                        return candidate;
                    }
                }
            }

            return AddSeries(hash, tags);
        }

        private Series AddSeries(int hash, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_gate)
            {
                var existing = _series.TryGetValue(hash, out var candidates) ? candidates : [];
                foreach (var candidate in existing)
                {
                    if (candidate.Matches(tags))
                    {
                        return candidate;
                    }
                }

                var series = new Series(tags.ToArray(), Key(tags), _bounds.Length);
                _series[hash] = [.. existing, series];
                if (_recent.Length < FastPathSeries)
                {
                    Volatile.Write(ref _recent, [.. _recent, series]);
                }

                return series;
            }
        }

        private static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Order-independent: the same tags in any order find the same series.
            int hash = tags.Length;
            foreach (var (key, value) in tags)
            {
                hash += HashCode.Combine(key.GetHashCode(StringComparison.Ordinal), value?.GetHashCode() ?? 0);
            }

            return hash;
        }

        public void WriteTo(StringBuilder builder)
        {
            if (_series.IsEmpty)
            {
                return;
            }

            builder.Append("# HELP ").Append(Name).Append(' ').Append(_help).Append('\n');
            builder.Append("# TYPE ").Append(Name).Append(' ').Append(_kind).Append('\n');
            foreach (var series in _series.Values.SelectMany(static s => s).OrderBy(static s => s.Labels, StringComparer.Ordinal))
            {
                if (_isHistogram)
                {
                    // Read the count first: a measurement racing the scrape shows up in the buckets no later than in the count.
                    long count = Volatile.Read(ref series.Count);
                    long cumulative = 0;
                    for (int b = 0; b < _bounds.Length; b++)
                    {
                        cumulative += Volatile.Read(ref series.Buckets[b]);
                        AppendSample(builder, Name + "_bucket", series.Labels, "le", Format(_bounds[b]), cumulative);
                    }

                    cumulative += Volatile.Read(ref series.Buckets[_bounds.Length]);
                    AppendSample(builder, Name + "_bucket", series.Labels, "le", "+Inf", Math.Max(count, cumulative));
                    AppendSample(builder, Name + "_sum", series.Labels, null, null, Volatile.Read(ref series.Sum));
                    AppendSample(builder, Name + "_count", series.Labels, null, null, Math.Max(count, cumulative));
                }
                else
                {
                    AppendSample(builder, Name, series.Labels, null, null, Volatile.Read(ref series.Sum));
                }
            }
        }

        private static void AppendSample(StringBuilder builder, string name, string labels, string? extraKey, string? extraValue, double value)
        {
            builder.Append(name);
            if (labels.Length > 0 || extraKey is not null)
            {
                builder.Append('{').Append(labels);
                if (extraKey is not null)
                {
                    if (labels.Length > 0)
                    {
                        builder.Append(',');
                    }

                    builder.Append(extraKey).Append("=\"").Append(extraValue).Append('"');
                }

                builder.Append('}');
            }

            builder.Append(' ').Append(Format(value)).Append('\n');
        }

        private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return string.Empty;
            }

            var pairs = tags.ToArray();
            Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var builder = new StringBuilder();
            foreach (var (key, value) in pairs)
            {
                if (builder.Length > 0)
                {
                    builder.Append(',');
                }

                builder.Append(Sanitize(key)).Append("=\"").Append(Escape(Convert.ToString(value, CultureInfo.InvariantCulture))).Append('"');
            }

            return builder.ToString();
        }

        private static double[]? AdvisedBounds(Instrument instrument) => instrument switch
        {
            Histogram<int> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => b.Select(static v => (double)v).ToArray(),
            Histogram<long> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => b.Select(static v => (double)v).ToArray(),
            Histogram<double> h when h.Advice?.HistogramBucketBoundaries is { Count: > 0 } b => b.ToArray(),
            _ => null,
        };
    }

    private sealed class Series(KeyValuePair<string, object?>[] tags, string labels, int buckets)
    {
        public long[] Buckets = new long[buckets + 1];
        public long Count;
        public double Sum;

        public string Labels { get; } = labels;

        /// <summary>The same tag key and value instances in the same order (a match by reference only; false says nothing).</summary>
        public bool SameInstances(ReadOnlySpan<KeyValuePair<string, object?>> other)
        {
            if (other.Length != tags.Length)
            {
                return false;
            }

            for (int i = 0; i < other.Length; i++)
            {
                if (!ReferenceEquals(other[i].Key, tags[i].Key) || !ReferenceEquals(other[i].Value, tags[i].Value))
                {
                    return false;
                }
            }

            return true;
        }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> other)
        {
            if (other.Length != tags.Length)
            {
                return false;
            }

            foreach (var (key, value) in other)
            {
                bool found = false;
                foreach (var (ownKey, ownValue) in tags)
                {
                    if (string.Equals(key, ownKey, StringComparison.Ordinal))
                    {
                        found = Equals(value, ownValue);
                        break;
                    }
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Adds to a double without a lock.</summary>
        public static void Add(ref double target, double value)
        {
            double current = Volatile.Read(ref target);
            while (true)
            {
                double seen = Interlocked.CompareExchange(ref target, current + value, current);
                if (seen.Equals(current))
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
