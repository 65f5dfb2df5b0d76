namespace ModelKit.Audio.Resampling;

/// <summary>
/// A streaming band-limited resampler for any rational ratio between integer sample rates (8 kHz → 16 kHz, 44.1 kHz → 16 kHz, …):
/// polyphase windowed-sinc (Blackman window, 16 zero crossings each side, cutoff at 94% of the lower Nyquist frequency), with
/// the filter computed once per ratio. Feed input chunks of any size with <see cref="Process"/>; <see cref="Flush"/> emits the
/// tail. Output sample n lies at input time n × in/out, so output and input stay aligned (no group delay). Not thread-safe.
/// </summary>
public sealed class Resampler
{
    private const int ZeroCrossings = 16;
    private const double Rolloff = 0.94;

    private readonly int _up;       // L: output rate / gcd
    private readonly int _down;     // M: input rate / gcd
    private readonly int _half;     // taps on each side of the centre, in input samples
    private readonly float[] _filter; // [phase * taps + tap]
    private readonly int _taps;
    private float[] _history;      // input samples kept: absolute indices [_historyStart, _historyStart + _historyCount)
    private long _historyStart;
    private int _historyCount;
    private long _nextOutput;      // absolute index of the next output sample
    private long _inputCount;

    /// <summary>Creates a resampler from <paramref name="inputRate"/> to <paramref name="outputRate"/> (samples per second, both positive); the filter for the ratio is computed here.</summary>
    public Resampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        InputRate = inputRate;
        OutputRate = outputRate;
        int g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;
        double cutoff = Rolloff * Math.Min(1.0, outputRate / (double)inputRate); // in cycles per input sample × 2 (1 = input Nyquist)
        _half = (int)Math.Ceiling(ZeroCrossings / cutoff);
        _taps = 2 * _half;
        _filter = new float[_up * _taps];
        for (int phase = 0; phase < _up; phase++)
        {
            double frac = phase / (double)_up; // output lies at input index i + frac
            double sum = 0;
            for (int t = 0; t < _taps; t++)
            {
                double x = frac - (t - _half + 1); // distance from input sample (i - half + 1 + t) to the output position
                double w = Blackman(x / (_half + 1));
                double h = cutoff * Sinc(cutoff * x) * w;
                _filter[phase * _taps + t] = (float)h;
                sum += h;
            }

            for (int t = 0; t < _taps; t++)
            {
                _filter[phase * _taps + t] = (float)(_filter[phase * _taps + t] / sum); // unity gain at DC for every phase
            }
        }

        _history = new float[Math.Max(4096, _taps * 2)];
    }

    /// <summary>The sample rate of the input, in Hz.</summary>
    public int InputRate { get; }

    /// <summary>The sample rate of the output, in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>How many output samples <paramref name="inputLength"/> more input can produce at most (for sizing buffers).</summary>
    public int MaxOutputFor(int inputLength) => (int)(((long)inputLength + _taps) * _up / _down) + 2;

    /// <summary>Consumes <paramref name="input"/> and writes the output samples it completes; returns how many were written.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        Append(input);
        return Emit(output, flushing: false);
    }

    /// <summary>Writes the remaining output, treating the input as followed by silence; returns how many were written.</summary>
    public int Flush(Span<float> output) => Emit(output, flushing: true);

    /// <summary>Resamples a whole signal.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        if (inputRate == outputRate)
        {
            return input.ToArray();
        }

        var resampler = new Resampler(inputRate, outputRate);
        var output = new float[resampler.MaxOutputFor(input.Length)];
        int n = resampler.Process(input, output);
        n += resampler.Flush(output.AsSpan(n));
        return output.AsSpan(0, n).ToArray();
    }

    private void Append(ReadOnlySpan<float> input)
    {
        if (_historyCount + input.Length > _history.Length)
        {
            Array.Resize(ref _history, Math.Max(_history.Length * 2, _historyCount + input.Length));
        }

        input.CopyTo(_history.AsSpan(_historyCount));
        _historyCount += input.Length;
        _inputCount += input.Length;
    }

    private int Emit(Span<float> output, bool flushing)
    {
        // The last output sample lies at or before the last input sample's time.
        long outputTotal = flushing ? (_inputCount * _up + _down - 1) / _down : long.MaxValue;
        int written = 0;
        while (written < output.Length && _nextOutput < outputTotal)
        {
            long position = _nextOutput * _down;
            long i = position / _up;
            int phase = (int)(position % _up);
            long first = i - _half + 1;
            long last = first + _taps - 1;
            if (!flushing && last >= _inputCount)
            {
                break;
            }

            var taps = _filter.AsSpan(phase * _taps, _taps);
            float acc = 0;
            for (int t = 0; t < _taps; t++)
            {
                long k = first + t;
                if (k < _historyStart || k >= _historyStart + _historyCount)
                {
                    continue; // before the start (silence) or past the end while flushing
                }

                acc += taps[t] * _history[k - _historyStart];
            }

            output[written++] = acc;
            _nextOutput++;
        }

        // Drop input no future output needs.
        long needed = (_nextOutput * _down / _up) - _half + 1;
        int drop = (int)Math.Clamp(needed - _historyStart, 0, _historyCount);
        if (drop > 0)
        {
            _history.AsSpan(drop, _historyCount - drop).CopyTo(_history);
            _historyCount -= drop;
            _historyStart += drop;
        }

        return written;
    }

    private static double Sinc(double x) => Math.Abs(x) < 1e-12 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);

    /// <summary>A Blackman window over [-1, 1].</summary>
    private static double Blackman(double x)
    {
        if (Math.Abs(x) >= 1)
        {
            return 0;
        }

        double n = (x + 1) / 2; // 0..1
        return 0.42 - 0.5 * Math.Cos(2 * Math.PI * n) + 0.08 * Math.Cos(4 * Math.PI * n);
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
