using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using ModelKit.Audio.Framing;
using ModelKit.Audio.Resampling;
using ModelKit.Audio.Wav;

namespace ModelKit.Audio.Vad;

/// <summary>
/// Speech segments from a WAV file or stream, or from PCM chunks: reads (mono mix-down), resamples to 16 kHz, frames into
/// 512-sample windows, runs Silero VAD through the <see cref="ISileroVadModel"/> contract (local or remote, whichever ModelKit
/// was configured with) and applies the reference hysteresis (<see cref="VadOptions"/>). Segments are yielded as soon as they
/// are final, so a live stream gets each one about 100–200 ms after its speech ends. Thread-safe: each call keeps its own state.
/// </summary>
public sealed class VoiceActivityDetector
{
    private const int ReadBlock = 8192;
    private readonly ISileroVadModel _model;
    private readonly VadOptions _options;

    /// <summary>Creates a detector over <paramref name="model"/> with <paramref name="options"/>; invalid options throw here, not at the first file.</summary>
    public VoiceActivityDetector(ISileroVadModel model, IOptions<VadOptions> options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options.Value;
        VadOptionsValidator.ThrowIfInvalid(_options);
    }

    /// <summary>Segments of a WAV file.</summary>
    public async IAsyncEnumerable<SpeechSegment> DetectAsync(string wavPath, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var reader = await WavReader.OpenAsync(wavPath, cancellationToken).ConfigureAwait(false);
        await foreach (var segment in DetectAsync(ReadAsync(reader, cancellationToken), reader.Format.SampleRate, cancellationToken).ConfigureAwait(false))
        {
            yield return segment;
        }
    }

    /// <summary>Segments of a WAV stream (read as it arrives; the stream is left open).</summary>
    public async IAsyncEnumerable<SpeechSegment> DetectAsync(Stream wav, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var reader = await WavReader.OpenAsync(wav, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await foreach (var segment in DetectAsync(ReadAsync(reader, cancellationToken), reader.Format.SampleRate, cancellationToken).ConfigureAwait(false))
        {
            yield return segment;
        }
    }

    /// <summary>Segments of mono PCM chunks (floats in [-1, 1]) at <paramref name="sampleRate"/>; chunks may have any length.</summary>
    public IAsyncEnumerable<SpeechSegment> DetectAsync(IAsyncEnumerable<ReadOnlyMemory<float>> chunks, int sampleRate, CancellationToken cancellationToken = default) =>
        RunAsync(chunks, sampleRate, probabilities: null, cancellationToken);

    /// <summary>The per-frame speech probabilities of mono PCM chunks (one per 32 ms frame at 16 kHz), for inspection and parity checks.</summary>
    public async Task<float[]> ProbabilitiesAsync(IAsyncEnumerable<ReadOnlyMemory<float>> chunks, int sampleRate, CancellationToken cancellationToken = default)
    {
        var probabilities = new List<float>();
        await foreach (var _ in RunAsync(chunks, sampleRate, probabilities, cancellationToken).ConfigureAwait(false))
        {
        }

        return probabilities.ToArray();
    }

    private async IAsyncEnumerable<SpeechSegment> RunAsync(
        IAsyncEnumerable<ReadOnlyMemory<float>> chunks, int sampleRate, List<float>? probabilities, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        var state = new StreamState(new SileroVad(_model), new SpeechSegmenter(_options, SileroVad.FrameSamples), probabilities);
        var resampler = sampleRate == SileroVad.SampleRate ? null : new Resampler(sampleRate, SileroVad.SampleRate);
        var framer = new AudioFramer(SileroVad.FrameSamples);
        float[] resampled = [];
        var ready = new List<SpeechSegment>();
        state.Completed = ready;

        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (resampler is null)
            {
                framer.Push(chunk.Span, state, StreamState.OnFrame);
            }
            else
            {
                int max = resampler.MaxOutputFor(chunk.Length);
                if (resampled.Length < max)
                {
                    resampled = new float[max];
                }

                int n = resampler.Process(chunk.Span, resampled);
                framer.Push(resampled.AsSpan(0, n), state, StreamState.OnFrame);
            }

            foreach (var segment in ready)
            {
                yield return segment;
            }

            ready.Clear();
        }

        if (resampler is not null)
        {
            int max = resampler.MaxOutputFor(0);
            if (resampled.Length < max)
            {
                resampled = new float[max];
            }

            int n = resampler.Flush(resampled);
            framer.Push(resampled.AsSpan(0, n), state, StreamState.OnFrame);
        }

        framer.Flush(state, StreamState.OnFrame);
        state.Segmenter.Complete(framer.TotalSamples, ready);
        foreach (var segment in ready)
        {
            yield return segment;
        }
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<float>> ReadAsync(WavReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new float[ReadBlock];
        int n;
        while ((n = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            yield return buffer.AsMemory(0, n); // consumed before the next read
        }
    }

    private sealed class StreamState(SileroVad vad, SpeechSegmenter segmenter, List<float>? probabilities)
    {
        public static readonly FrameHandler<StreamState> OnFrame = static (frame, s) =>
        {
            float p = s.Vad.Process(frame);
            s.Probabilities?.Add(p);
            s.Segmenter.Push(p, s.Completed);
        };

        public SileroVad Vad { get; } = vad;

        public SpeechSegmenter Segmenter { get; } = segmenter;

        public List<float>? Probabilities { get; } = probabilities;

        public List<SpeechSegment> Completed { get; set; } = [];
    }
}
