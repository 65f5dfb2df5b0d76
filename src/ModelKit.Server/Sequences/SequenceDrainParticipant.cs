using Microsoft.Extensions.Logging;

namespace ModelKit.Server;

/// <summary>
/// Ends the open sequences of every stateful model when the server drains: once the requests in progress are answered, each
/// sequence's state is freed, and a client that sends the next chunk (to this replica, before it stops) gets a clear error
/// rather than an answer computed from lost state. Clients start a new sequence on another replica.
/// </summary>
internal sealed class SequenceDrainParticipant(ModelManager models, ILogger<SequenceDrainParticipant> logger) : IServerDrainParticipant
{
    public ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        foreach (var version in models.LoadedVersions)
        {
            if (version.Sequences is { } sequences)
            {
                int ended = sequences.EndAll("was ended because the server shut down", ModelServer.Draining);
                ServerLog.SequencesEnded(logger, version.Name, ended);
            }
        }

        return ValueTask.CompletedTask;
    }
}
