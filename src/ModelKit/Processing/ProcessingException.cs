namespace ModelKit.Processing;

/// <summary>A processing step could not process its input (undecodable image, unsupported audio encoding, text over a hard limit…).</summary>
public class ProcessingException : ModelKitException
{
    /// <summary>Creates the exception naming the step and what was wrong.</summary>
    public ProcessingException(string step, string message, Exception? innerException = null)
        : base($"{step}: {message}", innerException)
    {
        Step = step;
    }

    /// <summary>The step's name (its type name).</summary>
    public string Step { get; }
}
