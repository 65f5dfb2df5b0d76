namespace ModelKit.Audio.Wav;

/// <summary>How a WAV file's samples are encoded.</summary>
public enum WavEncoding
{
    /// <summary>Unsigned 8-bit integer PCM (128 is silence).</summary>
    Pcm8,

    /// <summary>Signed 16-bit little-endian integer PCM.</summary>
    Pcm16,

    /// <summary>Signed 24-bit little-endian integer PCM.</summary>
    Pcm24,

    /// <summary>Signed 32-bit little-endian integer PCM.</summary>
    Pcm32,

    /// <summary>32-bit IEEE float.</summary>
    Float32,
}

/// <summary>A WAV file's format, read from its <c>fmt </c> chunk.</summary>
/// <param name="Encoding">The sample encoding.</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Channels">Interleaved channels (mixed down to mono when read).</param>
/// <param name="DataLength">The data chunk's declared length in bytes; null when the writer left it open (streamed WAV).</param>
public sealed record WavFormat(WavEncoding Encoding, int SampleRate, int Channels, long? DataLength)
{
    /// <summary>Bytes per sample of one channel.</summary>
    public int BytesPerSample => Encoding switch
    {
        WavEncoding.Pcm8 => 1,
        WavEncoding.Pcm16 => 2,
        WavEncoding.Pcm24 => 3,
        _ => 4,
    };

    /// <summary>Bytes per frame (one sample of every channel).</summary>
    public int BlockAlign => BytesPerSample * Channels;

    /// <summary>The number of frames the data chunk declares, or null when unknown.</summary>
    public long? FrameCount => DataLength / BlockAlign;

    /// <summary>The declared duration, or null when unknown.</summary>
    public TimeSpan? Duration => FrameCount is { } frames ? TimeSpan.FromSeconds(frames / (double)SampleRate) : null;
}
