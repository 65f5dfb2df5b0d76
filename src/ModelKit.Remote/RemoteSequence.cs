using System.Globalization;
using System.Net;
using ModelKit.Protocol;

namespace ModelKit.Remote;

/// <summary>
/// A sequence of a stateful model on a remote Open Inference Protocol server (ModelKit.Server with <c>sequence_batching</c>, or
/// Triton's sequence batcher): every request carries <c>sequence_id</c>, the first <c>sequence_start</c>, the last
/// <c>sequence_end</c>, and the server feeds each with the state the previous one left. Requests run one at a time, in call order.
/// <code>
/// await using var sequence = remoteBackend.StartSequence();
/// foreach (var chunk in chunks)
///     var outputs = await sequence.RunAsync([new("input", chunk)]);
/// </code>
/// A failure after which the server's state is unknown (a timeout, a connection lost mid-request, a server error) ends the
/// sequence here: later calls throw rather than risk an answer computed from the wrong state. Start a new sequence then.
/// </summary>
public sealed class RemoteSequence : IModelSequence
{
    private readonly RemoteBackend _backend;
    private readonly RemoteTransport _transport;
    private readonly ParameterValue _id;
    private readonly SemaphoreSlim _order = new(1, 1);
    private readonly List<InferRequestedOutput> _outputs;
    private readonly bool _binary;
    private readonly ProtocolLimits? _responseLimits;
    private bool _started;
    private string? _ended;

    internal RemoteSequence(RemoteBackend backend, RemoteTransport transport, long number, string? text)
    {
        _backend = backend;
        _transport = transport;
        _id = text is null ? ParameterValue.FromInt64(number) : ParameterValue.FromString(text);
        Id = text ?? number.ToString(CultureInfo.InvariantCulture);
        _binary = transport.Target.Protocol != "rest-json";
        _outputs = backend.Signature.Outputs
            .Select(o => new InferRequestedOutput(o.Name, _binary || InferenceDataTypes.RequiresBinary(o.ElementType) ? true : null))
            .ToList();
        _responseLimits = RemoteResponse.LimitsFor(backend.Signature.Outputs.Select(static o => (o.Name, o.ElementType)));
    }

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public bool IsEnded => Volatile.Read(ref _ended) is not null;

    /// <summary>The endpoint the sequence runs on.</summary>
    public Uri Endpoint => _transport.Target.Endpoint;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<NamedTensor>> RunAsync(IReadOnlyList<NamedTensor> inputs, bool end = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("A sequence request needs inputs; call EndAsync to end the sequence without one.", nameof(inputs));
        }

        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfEnded();
            var request = NewRequest(end);
            request.Outputs = _outputs;
            foreach (var input in inputs)
            {
                request.Inputs.Add(new InferTensor(input.Name, input.Value) { Binary = _binary });
            }

            using var response = await SendAsync(request, end, cancellationToken).ConfigureAwait(false);
            var outputs = new NamedTensor[response.Response.Outputs.Count];
            for (int i = 0; i < outputs.Length; i++)
            {
                var tensor = response.Response.Outputs[i];
                outputs[i] = new NamedTensor(tensor.Name, response.Detach(tensor));
            }

            return outputs;
        }
        finally
        {
            _order.Release();
        }
    }

    /// <summary>
    /// Ends the sequence: sends <c>sequence_end</c> with no inputs (ModelKit.Server frees the state at once; a server that needs
    /// inputs on every request, such as Triton, refuses it and lets the sequence expire when idle). Nothing is sent when the
    /// sequence never ran or already ended.
    /// </summary>
    public async ValueTask EndAsync(CancellationToken cancellationToken = default)
    {
        await _order.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_started || IsEnded)
            {
                Volatile.Write(ref _ended, "it was ended");
                return;
            }

            try
            {
                using var response = await SendAsync(NewRequest(end: true), end: true, cancellationToken).ConfigureAwait(false);
            }
            catch (RemoteInferenceException ex) when (ex.Kind == RemoteFailureKind.Rejected)
            {
                // The server kept no state to free (expired, restarted) or wants inputs on every request: the idle timeout frees it.
            }

            Volatile.Write(ref _ended, "it was ended");
        }
        finally
        {
            _order.Release();
        }
    }

    /// <summary>Ends the sequence (see <see cref="EndAsync"/>), swallowing failures: the server's idle timeout frees what is left.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await EndAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RemoteInferenceException or OperationCanceledException)
        {
        }
    }

    internal static long NewId()
    {
        long id;
        Span<byte> bytes = stackalloc byte[8];
        do
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            id = BitConverter.ToInt64(bytes) & long.MaxValue;
        }
        while (id == 0);
        return id;
    }

    private InferenceRequest NewRequest(bool end)
    {
        var parameters = new Dictionary<string, ParameterValue>(StringComparer.Ordinal) { ["sequence_id"] = _id };
        if (!_started)
        {
            parameters["sequence_start"] = ParameterValue.FromBool(true);
        }

        if (end)
        {
            parameters["sequence_end"] = ParameterValue.FromBool(true);
        }

        return new InferenceRequest { Parameters = parameters };
    }

    private async Task<RemoteResponse> SendAsync(InferenceRequest request, bool end, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _transport.InferAsync(request, _responseLimits, cancellationToken).ConfigureAwait(false);
            _started = true;
            if (end)
            {
                Volatile.Write(ref _ended, "it was ended with sequence_end");
            }

            return response;
        }
        catch (RemoteInferenceException ex) when (!CertainlyNotRun(ex))
        {
            Volatile.Write(ref _ended, $"a request failed in a way that leaves the server's state unknown ({ex.Kind}: {ex.Message})");
            throw;
        }
        catch (OperationCanceledException) when (_started || cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _ended, "a request was canceled after it was sent; the server may have run it");
            throw;
        }
    }

    /// <summary>Whether the server certainly did not run the request (so its state did not move): unreachable, 503, or a 4xx rejection.</summary>
    private static bool CertainlyNotRun(RemoteInferenceException ex) => ex.Kind switch
    {
        RemoteFailureKind.Unreachable or RemoteFailureKind.CircuitOpen or RemoteFailureKind.Unavailable => true,
        RemoteFailureKind.Rejected => ex.StatusCode is { } status ? (int)status is >= 400 and < 500 && status != HttpStatusCode.RequestTimeout
            : ex.GrpcStatus is global::Grpc.Core.StatusCode.InvalidArgument or global::Grpc.Core.StatusCode.NotFound or global::Grpc.Core.StatusCode.FailedPrecondition,
        _ => false,
    };

    private void ThrowIfEnded()
    {
        if (Volatile.Read(ref _ended) is { } why)
        {
            throw new InvalidOperationException($"Sequence {Id} of model '{_backend.ModelName}' is over: {why}. Start a new sequence.");
        }
    }
}
