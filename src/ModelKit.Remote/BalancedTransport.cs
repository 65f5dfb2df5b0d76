using ModelKit.Protocol;
using System.Diagnostics;

namespace ModelKit.Remote;

/// <summary>How <see cref="BalancedTransport"/> picks an endpoint.</summary>
internal enum LoadBalancingMode
{
    /// <summary>Each call starts at the next endpoint in turn.</summary>
    RoundRobin,

    /// <summary>Each call goes to the endpoint with the fewest calls in flight from this backend (ties in turn).</summary>
    LeastOutstanding,
}

/// <summary>
/// Spreads one model's calls over several endpoints serving it. A call whose endpoint is unreachable, has its circuit open or
/// answers 503 (the model did not run there) is tried on the next endpoint at once, and that endpoint is skipped by later
/// calls for <see cref="Cooldown"/>; when every endpoint failed, the last failure is raised (and the fallback, if configured,
/// takes over). Other failures (4xx, 500, timeouts, a connection lost mid-call) are raised as they are: the model may have run.
/// </summary>
internal sealed class BalancedTransport : RemoteTransport
{
    /// <summary>How long an endpoint that failed is skipped (then tried again by the next call that picks it).</summary>
    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(5);

    private readonly Member[] _members;
    private readonly LoadBalancingMode _mode;
    private int _next = -1;

    public BalancedTransport(IReadOnlyList<RemoteTransport> members, LoadBalancingMode mode)
        : base(members[0].Target)
    {
        _members = members.Select(static t => new Member(t)).ToArray();
        _mode = mode;
        Endpoints = members.Select(static t => t.Target.Endpoint).ToArray();
    }

    public IReadOnlyList<Uri> Endpoints { get; }

    /// <summary>The endpoint a sequence stays on for its whole life (its state lives in that server's memory).</summary>
    public RemoteTransport PickForSequence() => _members[Pick(0)].Transport;

    /// <summary>Calls in flight per endpoint, for tests and diagnostics.</summary>
    internal int Outstanding(int index) => Volatile.Read(ref _members[index].Outstanding);

    public override string Describe() =>
        $"remote {Target.Protocol} [{string.Join(", ", _members.Select(static m => m.Transport.Target.EndpointText))}] ({(_mode == LoadBalancingMode.RoundRobin ? "round-robin" : "least-outstanding")}) model '{Target.RemoteName}'"
        + (Target.Version is null ? string.Empty : " version " + Target.Version);

    public override async Task<ModelSignature> GetSignatureAsync(CancellationToken cancellationToken)
    {
        RemoteInferenceException? last = null;
        foreach (var member in _members)
        {
            try
            {
                return await member.Transport.GetSignatureAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RemoteInferenceException ex) when (ex.IsTransient)
            {
                member.MarkDown();
                last = ex;
            }
        }

        throw last!;
    }

    public override async Task<RemoteResponse> InferAsync(InferenceRequest request, ProtocolLimits? responseLimits, CancellationToken cancellationToken)
    {
        RemoteInferenceException? last = null;
        ulong tried = 0; // a bit per endpoint (at most 64 endpoints are balanced; validated lists are far shorter)
        for (int attempt = 0; attempt < _members.Length; attempt++)
        {
            int index = Pick(tried);
            tried |= 1UL << index;
            var member = _members[index];
            Interlocked.Increment(ref member.Outstanding);
            try
            {
                var response = await member.Transport.InferAsync(request, responseLimits, cancellationToken).ConfigureAwait(false);
                member.MarkUp();
                return response;
            }
            catch (RemoteInferenceException ex) when (ex.Kind is RemoteFailureKind.Unreachable or RemoteFailureKind.CircuitOpen or RemoteFailureKind.Unavailable)
            {
                // The model did not run there: try the next endpoint now.
                member.MarkDown();
                last = ex;
            }
            finally
            {
                Interlocked.Decrement(ref member.Outstanding);
            }
        }

        throw last!;
    }

    public override void Dispose()
    {
        foreach (var member in _members)
        {
            member.Transport.Dispose();
        }

        base.Dispose();
    }

    /// <summary>The endpoint for the next attempt: not yet tried by this call, preferably up, by the mode's rule.</summary>
    private int Pick(ulong tried)
    {
        int count = _members.Length;
        int start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        long now = Stopwatch.GetTimestamp();
        int best = -1;
        bool bestUp = false;
        int bestOutstanding = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            int index = (start + i) % count;
            if ((tried & (1UL << index)) != 0)
            {
                continue;
            }

            var member = _members[index];
            bool up = member.IsUp(now);
            if (_mode == LoadBalancingMode.RoundRobin)
            {
                if (up)
                {
                    return index;
                }

                if (best < 0)
                {
                    best = index;
                }

                continue;
            }

            int outstanding = Volatile.Read(ref member.Outstanding);
            if (best < 0 || (up && !bestUp) || (up == bestUp && outstanding < bestOutstanding))
            {
                best = index;
                bestUp = up;
                bestOutstanding = outstanding;
            }
        }

        return best;
    }

    private sealed class Member(RemoteTransport transport)
    {
        public readonly RemoteTransport Transport = transport;
        public int Outstanding;
        private long _downUntil;

        public bool IsUp(long now) => Volatile.Read(ref _downUntil) <= now;

        public void MarkDown() => Volatile.Write(ref _downUntil, Stopwatch.GetTimestamp() + (long)(Cooldown.TotalSeconds * Stopwatch.Frequency));

        public void MarkUp()
        {
            if (Volatile.Read(ref _downUntil) != 0)
            {
                Volatile.Write(ref _downUntil, 0);
            }
        }
    }
}
