namespace ModelKit.Models;

/// <summary>A model could not be obtained from its source (package not found on any configured feed, resource missing, cache not writable…).</summary>
public sealed class ModelSourceException : ModelKitException
{
    public ModelSourceException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}
