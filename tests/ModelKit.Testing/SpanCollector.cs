using System.Collections.Concurrent;
using System.Diagnostics;

namespace ModelKit.Testing;

/// <summary>
/// Records every span stopped on the named sources (all data, recorded) while it lives, and starts test roots on a source of its own
/// that it also records. The listener is process-wide: a test looks only at the spans of its own root's trace (<see cref="InTrace"/>).
/// </summary>
public sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivitySource _root = new("ModelKit.Testing.SpanCollector." + Guid.NewGuid().ToString("N"));
    private readonly ActivityListener _listener;

    /// <summary>Listens to <paramref name="sources"/> (by name) and to its own root source.</summary>
    public SpanCollector(params string[] sources)
    {
        var names = new HashSet<string>(sources, StringComparer.Ordinal) { _root.Name };
        _listener = new ActivityListener
        {
            ShouldListenTo = s => names.Contains(s.Name),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts a root span; what runs under it shares its trace.</summary>
    public Activity StartRoot(string name = "test") => _root.StartActivity(name) ?? throw new InvalidOperationException("The root span was not sampled.");

    /// <summary>The stopped spans of <paramref name="trace"/> (from any listened source, the root's included).</summary>
    public List<Activity> InTrace(ActivityTraceId trace) => _spans.Where(s => s.TraceId == trace).ToList();

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Dispose();
        _root.Dispose();
    }
}
