namespace ModelKit.Audio.Wav;

/// <summary>Why a WAV stream was refused.</summary>
public enum WavError
{
    /// <summary>Not a RIFF/WAVE stream, or its header or chunks are truncated or inconsistent.</summary>
    BrokenHeader,

    /// <summary>A well-formed file whose data chunk holds no samples.</summary>
    ZeroLength,

    /// <summary>A sample encoding this reader does not decode (A-law, µ-law, ADPCM, 64-bit float, …).</summary>
    UnsupportedEncoding,
}

/// <summary>A WAV stream could not be read. <see cref="Error"/> says why; the message names expected and actual values.</summary>
public sealed class WavFormatException(WavError error, string message) : ModelKitException($"WAV: {message}")
{
    /// <summary>Why the stream was refused.</summary>
    public WavError Error { get; } = error;
}
