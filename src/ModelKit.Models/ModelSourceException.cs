namespace ModelKit.Models;

/// <summary>A model could not be obtained from its source (package not found on any configured feed, resource missing, cache not writable…).</summary>
public sealed class ModelSourceException : ModelKitException
{
    /// <summary>Creates the exception with a message that names the model, the source and what to do; <paramref name="innerException"/> is the feed's or the file system's error.</summary>
    public ModelSourceException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
