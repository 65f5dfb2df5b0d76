using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ModelKit.Testing;

/// <summary>Filters, sums and event-driven waits over a <see cref="MetricCollector{T}"/>.</summary>
public static class MetricCollectorExtensions
{
    /// <summary>The measurements so far whose tag <paramref name="key"/> equals <paramref name="value"/>.</summary>
    public static IReadOnlyList<CollectedMeasurement<T>> Tagged<T>(this MetricCollector<T> collector, string key, object? value)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(collector);
        return collector.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue(key, out var v) && Equals(v, value)).ToList();
    }

    /// <summary>The sum of the values of <paramref name="measurements"/>.</summary>
    public static long Sum(this IEnumerable<CollectedMeasurement<long>> measurements) => measurements.Sum(static m => m.Value);

    /// <summary>
    /// Waits, measurement by measurement (no polling), until <paramref name="condition"/> holds over the measurements collected so
    /// far; fails the test with <paramref name="what"/> when it does not within <paramref name="timeout"/> (30 s by default).
    /// </summary>
    public static async Task WaitUntilAsync<T>(this MetricCollector<T> collector, Func<IReadOnlyList<CollectedMeasurement<T>>, bool> condition, string what, TimeSpan? timeout = null)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var snapshot = collector.GetMeasurementSnapshot();
            if (condition(snapshot))
            {
                return;
            }

            try
            {
                await collector.WaitForMeasurementsAsync(snapshot.Count + 1, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                Xunit.Assert.Fail($"Timed out waiting for {what}; {snapshot.Count} measurement(s) of {collector.Instrument?.Name}: "
                    + string.Join("; ", snapshot.Select(static m => $"{m.Value} {{{string.Join(",", m.Tags.Select(static t => $"{t.Key}={t.Value}"))}}}")));
            }
        }
    }
}
