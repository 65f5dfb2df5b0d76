namespace ModelKit.Audio.Vad;

/// <summary>
/// One audio stream's run of Silero VAD: keeps the recurrent state and the 64-sample context between frames and turns each
/// 512-sample frame (32 ms at 16 kHz) into a speech probability, with no allocation per frame. Not thread-safe: one per stream.
/// </summary>
public sealed class SileroVad
{
    /// <summary>Samples per frame at 16 kHz.</summary>
    public const int FrameSamples = 512;

    /// <summary>Samples of the previous frame prepended as context.</summary>
    public const int ContextSamples = 64;

    /// <summary>The model's input length: context plus frame.</summary>
    public const int InputSamples = ContextSamples + FrameSamples;

    /// <summary>The recurrent state's element count ([2, 1, 128]).</summary>
    public const int StateSize = 2 * 128;

    /// <summary>The only sample rate the model takes here.</summary>
    public const int SampleRate = 16_000;

    private readonly ISileroVadModel _model;
    private readonly float[] _input = new float[InputSamples];
    private float[] _state = new float[StateSize];
    private float[] _nextState = new float[StateSize];
    private readonly float[] _probability = new float[1];

    /// <summary>Creates a run over <paramref name="model"/> (the generated Silero VAD client) with a zeroed recurrent state and context.</summary>
    public SileroVad(ISileroVadModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <summary>Runs one frame of exactly <see cref="FrameSamples"/> samples at 16 kHz; returns its speech probability.</summary>
    public float Process(ReadOnlySpan<float> frame)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"Silero VAD takes frames of {FrameSamples} samples at 16 kHz; got {frame.Length}.", nameof(frame));
        }

        frame.CopyTo(_input.AsSpan(ContextSamples));
        _model.Predict(_input, _state, SampleRate, _probability, _nextState);
        (_state, _nextState) = (_nextState, _state);
        _input.AsSpan(InputSamples - ContextSamples).CopyTo(_input); // this frame's tail is the next frame's context
        return _probability[0];
    }

    /// <summary>Forgets the state and context (a new stream).</summary>
    public void Reset()
    {
        Array.Clear(_input);
        Array.Clear(_state);
    }
}
