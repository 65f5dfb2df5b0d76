namespace ModelKit.Audio.Vad;

/// <summary>
/// The reference hysteresis (silero-vad's <c>get_speech_timestamps</c>, without its maximum-duration split) as a streaming state
/// machine: feed one speech probability per frame with <see cref="Push"/>, collect segments as they become final, then call
/// <see cref="Complete"/> with the audio's length. Segments are emitted as soon as no later frame can change them (their padding
/// depends on the next segment only when the two are closer than twice the padding). Not thread-safe.
/// </summary>
public sealed class SpeechSegmenter
{
    private readonly int _frameSamples;
    private readonly float _threshold;
    private readonly float _negative;
    private readonly long _minSpeech;
    private readonly long _minSilence;
    private readonly long _pad;

    private long _frame;            // index of the next frame
    private bool _triggered;
    private long _start;            // sample where the current speech started
    private long _tempEnd = -1;     // sample where silence began inside the current speech, or -1
    private double _sum;            // probabilities since the trigger
    private long _count;
    private double _sumAtTempEnd;
    private long _countAtTempEnd;
    private Pending? _pending;      // the last closed segment, padding on its end not yet final
    private bool _first = true;

    /// <summary>Creates a segmenter with <paramref name="options"/> (validated; thresholds and durations) for frames of <paramref name="frameSamples"/> samples at 16 kHz.</summary>
    public SpeechSegmenter(VadOptions options, int frameSamples = 512)
    {
        ArgumentNullException.ThrowIfNull(options);
        VadOptionsValidator.ThrowIfInvalid(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameSamples, 1);
        _frameSamples = frameSamples;
        _threshold = options.Threshold;
        _negative = options.EffectiveNegativeThreshold;
        _minSpeech = Samples(options.MinSpeechDuration);
        _minSilence = Samples(options.MinSilenceDuration);
        _pad = Samples(options.SpeechPad);
    }

    /// <summary>Frames seen so far.</summary>
    public long FrameCount => _frame;

    /// <summary>Takes the next frame's speech probability; adds any segment that became final to <paramref name="completed"/>.</summary>
    public void Push(float probability, ICollection<SpeechSegment> completed)
    {
        long position = _frame * _frameSamples;
        _frame++;

        if (probability >= _threshold && _tempEnd >= 0)
        {
            _tempEnd = -1;
        }

        if (probability >= _threshold && !_triggered)
        {
            _triggered = true;
            _start = position;
            _sum = probability;
            _count = 1;
            return;
        }

        if (_triggered)
        {
            _sum += probability;
            _count++;
            if (probability < _negative)
            {
                if (_tempEnd < 0)
                {
                    _tempEnd = position;
                    _sumAtTempEnd = _sum - probability;
                    _countAtTempEnd = _count - 1;
                }

                if (position - _tempEnd >= _minSilence)
                {
                    Close(_tempEnd, _sumAtTempEnd / Math.Max(1, _countAtTempEnd), completed);
                    _tempEnd = -1;
                    _triggered = false;
                }
            }
        }

        // The pending segment's end is final once no segment closer than twice the padding can follow it.
        if (_pending is { } p && position + _frameSamples - p.End >= 2 * _pad && (!_triggered || _start - p.End >= 2 * _pad))
        {
            completed.Add(p.Finish(p.End + _pad));
            _pending = null;
        }
    }

    /// <summary>Ends the stream of <paramref name="totalSamples"/> samples (16 kHz): closes open speech and emits the rest.</summary>
    public void Complete(long totalSamples, ICollection<SpeechSegment> completed)
    {
        if (_triggered && totalSamples - _start > _minSpeech)
        {
            Close(totalSamples, _sum / Math.Max(1, _count), completed);
        }

        _triggered = false;
        if (_pending is { } p)
        {
            completed.Add(p.Finish(Math.Min(totalSamples, p.End + _pad)));
            _pending = null;
        }
    }

    private void Close(long end, double mean, ICollection<SpeechSegment> completed)
    {
        if (end - _start <= _minSpeech)
        {
            return;
        }

        long start = _start;
        if (_first)
        {
            start = Math.Max(0, start - _pad);
            _first = false;
        }
        else if (_pending is { } p)
        {
            long gap = start - p.End;
            if (gap < 2 * _pad)
            {
                completed.Add(p.Finish(p.End + gap / 2));
                start = Math.Max(0, start - gap / 2);
            }
            else
            {
                completed.Add(p.Finish(p.End + _pad));
                start = Math.Max(0, start - _pad);
            }

            _pending = null;
        }
        else
        {
            start = Math.Max(0, start - _pad);
        }

        _pending = new Pending(start, end, (float)mean);
    }

    private static long Samples(TimeSpan duration) => (long)(duration.TotalSeconds * SpeechSegment.SampleRate);

    private readonly record struct Pending(long Start, long End, float Mean)
    {
        public SpeechSegment Finish(long paddedEnd) => new(Start, paddedEnd, Mean);
    }
}
