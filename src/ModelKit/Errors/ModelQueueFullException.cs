namespace ModelKit;

/// <summary>A model's batching queue is full: the call was rejected at once rather than queued (a server answers 503).</summary>
public sealed class ModelQueueFullException(string model, int capacity)
    : ModelKitException($"Model '{model}': the batching queue is full ({capacity} calls waiting); try again later or raise Batching:MaxQueueSize.")
{
    /// <summary>The model whose queue was full.</summary>
    public string Model { get; } = model;

    /// <summary>How many calls the queue holds (<c>Batching:MaxQueueSize</c>).</summary>
    public int Capacity { get; } = capacity;
}
