namespace ModelKit;

/// <summary>
/// One sequence of requests to a stateful model whose state a server keeps between them (Triton's sequence batching on the Open
/// Inference Protocol: the request parameters <c>sequence_id</c>, <c>sequence_start</c>, <c>sequence_end</c>). The caller sends
/// the model's other inputs (audio chunks, tokens) one request after another; the server feeds each with the state the previous
/// one left. Requests of one sequence run one at a time, in order. Dispose it to end the sequence and free the server's state.
/// </summary>
public interface IModelSequence : IAsyncDisposable
{
    /// <summary>The sequence's correlation id as sent in <c>sequence_id</c>: the decimal text of a numeric id, or the string id.</summary>
    string Id { get; }

    /// <summary>Whether the sequence is over: ended with <c>sequence_end</c>, or failed in a way that leaves the server's state unknown.</summary>
    bool IsEnded { get; }

    /// <summary>
    /// Runs the next request of the sequence (the first one carries <c>sequence_start</c>; <paramref name="end"/> sends
    /// <c>sequence_end</c>, after which the sequence is over) and returns the model's outputs.
    /// </summary>
    ValueTask<IReadOnlyList<NamedTensor>> RunAsync(IReadOnlyList<NamedTensor> inputs, bool end = false, CancellationToken cancellationToken = default);

    /// <summary>Ends the sequence without a further run, so the server frees its state at once (otherwise it expires when idle).</summary>
    ValueTask EndAsync(CancellationToken cancellationToken = default);
}

/// <summary>A backend that runs stateful models in sequences whose state the server keeps (the remote backend).</summary>
public interface ISequenceBackend
{
    /// <summary>Starts a sequence with a new random numeric id (nothing is sent until its first <see cref="IModelSequence.RunAsync"/>).</summary>
    IModelSequence StartSequence();
}
