using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ModelKit.Server;

/// <summary>
/// The server's <see cref="System.Diagnostics.Metrics"/> instruments (meter <c>ModelKit.Server</c>): requests by model, protocol and
/// outcome; failures by reason; request, queue, compute and server-overhead durations; requests in flight; model loads.
/// </summary>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ModelKit.Server";

    /// <summary>The tag value used for models the server does not serve (keeps tag cardinality bounded).</summary>
    public const string UnknownModel = "unknown";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<double> _overheadDuration;
    private readonly UpDownCounter<long> _inFlight;
    private readonly UpDownCounter<long> _queued;
    private readonly Counter<long> _modelLoads;
    private readonly UpDownCounter<long> _sequences;
    private readonly Counter<long> _sequenceEnds;

    /// <summary>Creates the instruments on the meter <c>ModelKit.Server</c> from <paramref name="meterFactory"/> (so they are scoped to the host's DI container).</summary>
    public ServerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("modelkit.server.requests", "{request}", "Inference requests, by model, protocol and outcome.");
        _failures = _meter.CreateCounter<long>("modelkit.server.failures", "{request}", "Failed inference requests, by model, protocol and reason.");
        _requestDuration = _meter.CreateHistogram<double>("modelkit.server.request.duration", "s", "Time from request arrival to response written.");
        _queueDuration = _meter.CreateHistogram<double>("modelkit.server.queue.duration", "s", "Time an inference waited for a slot.");
        _computeDuration = _meter.CreateHistogram<double>("modelkit.server.compute.duration", "s", "Time the model ran (including its batching queue).");
        _overheadDuration = _meter.CreateHistogram<double>("modelkit.server.overhead.duration", "s", "Time in the server minus queue and compute: decoding, validation, encoding, writing.");
        // Autoscaling signals (HPA via the Prometheus adapter or KEDA): requests in progress, and inferences waiting for a slot.
        _inFlight = _meter.CreateUpDownCounter<long>("modelkit.server.active_requests", "{request}", "Inference requests in progress (received, not yet answered).");
        _queued = _meter.CreateUpDownCounter<long>("modelkit.server.queued_requests", "{request}", "Inferences waiting for an inference slot (MaxConcurrentInferences).");
        _modelLoads = _meter.CreateCounter<long>("modelkit.server.model.loads", "{load}", "Model loads and unloads, by model and outcome.");
        _sequences = _meter.CreateUpDownCounter<long>("modelkit.server.sequences.active", "{sequence}", "Sequences open on stateful models (state kept by the server), by model.");
        _sequenceEnds = _meter.CreateCounter<long>("modelkit.server.sequences.closed", "{sequence}", "Sequences closed, by model and outcome (ended, expired, shutdown).");
    }

    /// <summary>The meter (for exporters that filter by instance).</summary>
    public Meter Meter => _meter;

    internal void RequestStarted(string protocol) => _inFlight.Add(1, new KeyValuePair<string, object?>("protocol", protocol));

    internal void RequestFinished(string model, string protocol, string outcome, string? reason, long startTimestamp, double queueSeconds, double computeSeconds)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        var protocolTag = new KeyValuePair<string, object?>("protocol", protocol);
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        _inFlight.Add(-1, protocolTag);
        _requests.Add(1, modelTag, protocolTag, outcomeTag);
        if (reason is not null)
        {
            _failures.Add(1, modelTag, protocolTag, new KeyValuePair<string, object?>("reason", reason));
        }

        double total = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        _requestDuration.Record(total, modelTag, protocolTag, outcomeTag);
        if (outcome == "success")
        {
            _overheadDuration.Record(Math.Max(0, total - queueSeconds - computeSeconds), protocolTag);
        }
    }

    internal void QueueChanged(long delta) => _queued.Add(delta);

    internal void Queued(string model, double seconds) => _queueDuration.Record(seconds, new KeyValuePair<string, object?>("model", model));

    internal void Computed(string model, double seconds) => _computeDuration.Record(seconds, new KeyValuePair<string, object?>("model", model));

    internal void ModelLoad(string model, string outcome) =>
        _modelLoads.Add(1, new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("outcome", outcome));

    internal void SequenceOpened(string model) => _sequences.Add(1, new KeyValuePair<string, object?>("model", model));

    internal void SequenceClosed(string model, string outcome)
    {
        var modelTag = new KeyValuePair<string, object?>("model", model);
        _sequences.Add(-1, modelTag);
        _sequenceEnds.Add(1, modelTag, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>Disposes the meter; its instruments stop publishing.</summary>
    public void Dispose() => _meter.Dispose();
}
