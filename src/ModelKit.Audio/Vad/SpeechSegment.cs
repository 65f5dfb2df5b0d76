namespace ModelKit.Audio.Vad;

/// <summary>A stretch of speech: where it starts and ends in the audio (padding included) and its frames' mean speech probability.</summary>
/// <param name="StartSample">The first sample, at 16 kHz.</param>
/// <param name="EndSample">One past the last sample, at 16 kHz.</param>
/// <param name="MeanProbability">The mean speech probability of the segment's frames (before padding).</param>
public readonly record struct SpeechSegment(long StartSample, long EndSample, float MeanProbability)
{
    /// <summary>The sample rate the sample indices count at.</summary>
    public const int SampleRate = 16_000;

    /// <summary>Where the segment starts.</summary>
    public TimeSpan Start => TimeSpan.FromSeconds(StartSample / (double)SampleRate);

    /// <summary>Where the segment ends.</summary>
    public TimeSpan End => TimeSpan.FromSeconds(EndSample / (double)SampleRate);

    /// <summary>The segment's length.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>The segment as <c>[start, end) p=probability</c>, times in seconds, for logs and test output.</summary>
    public override string ToString() => $"[{Start.TotalSeconds:0.000}s, {End.TotalSeconds:0.000}s) p={MeanProbability:0.00}";
}
