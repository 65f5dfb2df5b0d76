namespace ModelKit.Audio.Framing;

/// <summary>
/// Cuts a stream of samples arriving in chunks of any size into frames of a fixed length, carrying the remainder across
/// chunks; <see cref="Flush"/> returns the last partial frame zero-padded (as the reference pads its last window). Not thread-safe.
/// </summary>
public sealed class AudioFramer
{
    private readonly float[] _frame;
    private int _filled;

    /// <summary>Creates a framer that emits frames of <paramref name="frameLength"/> samples (512 for Silero VAD at 16 kHz).</summary>
    public AudioFramer(int frameLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameLength, 1);
        _frame = new float[frameLength];
    }

    /// <summary>The frame length in samples.</summary>
    public int FrameLength => _frame.Length;

    /// <summary>Samples pushed so far (whole stream).</summary>
    public long TotalSamples { get; private set; }

    /// <summary>Appends <paramref name="samples"/> and calls <paramref name="onFrame"/> for every frame completed.</summary>
    public void Push<TState>(ReadOnlySpan<float> samples, TState state, FrameHandler<TState> onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        TotalSamples += samples.Length;
        while (!samples.IsEmpty)
        {
            int take = Math.Min(samples.Length, _frame.Length - _filled);
            samples[..take].CopyTo(_frame.AsSpan(_filled));
            _filled += take;
            samples = samples[take..];
            if (_filled == _frame.Length)
            {
                onFrame(_frame, state);
                _filled = 0;
            }
        }
    }

    /// <summary>Emits the partial last frame, zero-padded, when any samples are left; returns whether one was emitted.</summary>
    public bool Flush<TState>(TState state, FrameHandler<TState> onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        if (_filled == 0)
        {
            return false;
        }

        Array.Clear(_frame, _filled, _frame.Length - _filled);
        onFrame(_frame, state);
        _filled = 0;
        return true;
    }
}

/// <summary>Receives one complete frame (valid only during the call).</summary>
public delegate void FrameHandler<in TState>(ReadOnlySpan<float> frame, TState state);
