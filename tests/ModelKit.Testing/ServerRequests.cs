using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ModelKit.Testing;

/// <summary>
/// Counts the inference requests one <see cref="TestHost"/> handled, from the server's own instruments
/// (<c>modelkit.server.requests</c>, <c>modelkit.server.active_requests</c>; the meter of that host's <see cref="IMeterFactory"/> only).
/// </summary>
public sealed class ServerRequests : IDisposable
{
    private const string Meter = "ModelKit.Server";
    private readonly MetricCollector<long> _requests;
    private readonly MetricCollector<long> _inFlight;

    /// <summary>Starts counting (requests already started are not counted).</summary>
    public ServerRequests(TestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        _requests = new MetricCollector<long>(meters, Meter, "modelkit.server.requests");
        _inFlight = new MetricCollector<long>(meters, Meter, "modelkit.server.active_requests");
    }

    /// <summary>The <c>modelkit.server.requests</c> measurements.</summary>
    public MetricCollector<long> Requests => _requests;

    /// <summary>The requests for <paramref name="model"/> counted so far.</summary>
    public long Count(string model) => _requests.Tagged("model", model).Sum();

    /// <summary>
    /// Waits, event by event, until every request the server started has finished and been counted, but
    /// <paramref name="stillRunning"/> (requests that hold the server on purpose). A client's retry reaches the server before the
    /// client raises, so once this returns after a call, the counts include every attempt of that call.
    /// </summary>
    public async Task SettledAsync(int stillRunning = 0, TimeSpan? timeout = null)
    {
        await _inFlight.WaitUntilAsync(m => m.Sum() == stillRunning, $"{stillRunning} request(s) in flight", timeout).ConfigureAwait(false);
        int started = _inFlight.GetMeasurementSnapshot().Count(static m => m.Value > 0);
        await _requests.WaitUntilAsync(m => m.Count >= started - stillRunning, $"{started - stillRunning} finished request(s) counted", timeout).ConfigureAwait(false);
    }

    /// <summary>Stops counting.</summary>
    public void Dispose()
    {
        _requests.Dispose();
        _inFlight.Dispose();
    }
}
