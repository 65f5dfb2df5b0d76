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
/// <see cref="ForSequences"/> runs the model on a server that keeps each stream's state instead (one sequence per stream).
/// </summary>
public sealed class VoiceActivityDetector
{
    private const int ReadBlock = 8192;
    private readonly ISileroVadModel? _model;
    private readonly ISequenceBackend? _sequences;
    private readonly VadOptions _options;

    /// <summary>A detector that runs Silero VAD through the <see cref="ISileroVadModel"/> contract, keeping each stream's state here.</summary>
    public VoiceActivityDetector(ISileroVadModel model, IOptions<VadOptions> options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options.Value;
        VadOptionsValidator.ThrowIfInvalid(_options);
    }

    private VoiceActivityDetector(ISequenceBackend sequences, VadOptions options)
    {
        _sequences = sequences;
        _options = options;
        VadOptionsValidator.ThrowIfInvalid(_options);
    }

    /// <summary>
    /// A detector that runs Silero VAD as a stateful model on a server that keeps each stream's recurrent state (ModelKit.Server
    /// serving the <c>silero-vad</c> folder that <c>modelkit pull silero-vad</c> writes, whose <c>sequence_batching</c> keeps
    /// <c>state</c>/<c>stateN</c> and fixes <c>sr</c>): each stream is one sequence, each 32 ms frame one request carrying only
    /// the audio (the frame and its 64-sample context), so streams of many clients are batched on the server. Gives the
    /// probabilities of the local detector (within float rounding of batched runs).
    /// </summary>
    /// <param name="sequences">The remote backend of the served model (<c>RemoteBackend</c>, e.g. from <c>ModelRegistry.GetBackend</c>).</param>
    /// <param name="options">The hysteresis; the reference defaults when null.</param>
    public static VoiceActivityDetector ForSequences(ISequenceBackend sequences, VadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return new VoiceActivityDetector(sequences, options ?? new VadOptions());
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
        await using var scorer = _sequences is { } sequences ? new SequenceScorer(sequences.StartSequence()) : (FrameScorer)new LocalScorer(new SileroVad(_model!));
        var segmenter = new SpeechSegmenter(_options, SileroVad.FrameSamples);
        var resampler = sampleRate == SileroVad.SampleRate ? null : new Resampler(sampleRate, SileroVad.SampleRate);
        var framer = new AudioFramer(SileroVad.FrameSamples);
        var frames = new FrameQueue();
        float[] resampled = [];
        var ready = new List<SpeechSegment>();

        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (resampler is null)
            {
                framer.Push(chunk.Span, frames, FrameQueue.OnFrame);
            }
            else
            {
                int max = resampler.MaxOutputFor(chunk.Length);
                if (resampled.Length < max)
                {
                    resampled = new float[max];
                }

                int n = resampler.Process(chunk.Span, resampled);
                framer.Push(resampled.AsSpan(0, n), frames, FrameQueue.OnFrame);
            }

            await ScoreAsync(frames, scorer, segmenter, probabilities, ready, cancellationToken).ConfigureAwait(false);
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
            framer.Push(resampled.AsSpan(0, n), frames, FrameQueue.OnFrame);
        }

        framer.Flush(frames, FrameQueue.OnFrame);
        await ScoreAsync(frames, scorer, segmenter, probabilities, ready, cancellationToken).ConfigureAwait(false);
        segmenter.Complete(framer.TotalSamples, ready);
        foreach (var segment in ready)
        {
            yield return segment;
        }
    }

    private static async ValueTask ScoreAsync(FrameQueue frames, FrameScorer scorer, SpeechSegmenter segmenter, List<float>? probabilities, List<SpeechSegment> ready, CancellationToken cancellationToken)
    {
        for (int i = 0; i < frames.Count; i++)
        {
            float p = await scorer.ScoreAsync(frames[i], cancellationToken).ConfigureAwait(false);
            probabilities?.Add(p);
            segmenter.Push(p, ready);
        }

        frames.Clear();
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

    /// <summary>The frames one chunk completed, in reused buffers.</summary>
    private sealed class FrameQueue
    {
        public static readonly FrameHandler<FrameQueue> OnFrame = static (frame, q) => q.Add(frame);

        private readonly List<float[]> _buffers = [];

        public int Count { get; private set; }

        public float[] this[int index] => _buffers[index];

        public void Clear() => Count = 0;

        private void Add(ReadOnlySpan<float> frame)
        {
            if (Count == _buffers.Count)
            {
                _buffers.Add(new float[SileroVad.FrameSamples]);
            }

            frame.CopyTo(_buffers[Count++]);
        }
    }

    /// <summary>Turns each frame of one stream into a speech probability, keeping the stream's state.</summary>
    private abstract class FrameScorer : IAsyncDisposable
    {
        public abstract ValueTask<float> ScoreAsync(float[] frame, CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();
    }

    /// <summary>The state kept here (<see cref="SileroVad"/> over the contract, local or remote).</summary>
    private sealed class LocalScorer(SileroVad vad) : FrameScorer
    {
        public override ValueTask<float> ScoreAsync(float[] frame, CancellationToken cancellationToken) => new(vad.Process(frame));

        public override ValueTask DisposeAsync() => default;
    }

    /// <summary>The recurrent state kept by the server: one sequence per stream; the 64-sample context is audio, sent here.</summary>
    private sealed class SequenceScorer : FrameScorer
    {
        private readonly IModelSequence _sequence;
        private readonly float[] _input = new float[SileroVad.InputSamples];
        private readonly NamedTensor[] _inputs; // over _input, whose contents change frame by frame: one list for the whole stream

        public SequenceScorer(IModelSequence sequence)
        {
            _sequence = sequence;
            _inputs = [new NamedTensor("input", TensorValue.Create(_input, 1, SileroVad.InputSamples))];
        }

        public override async ValueTask<float> ScoreAsync(float[] frame, CancellationToken cancellationToken)
        {
            frame.AsSpan().CopyTo(_input.AsSpan(SileroVad.ContextSamples));
            var outputs = await _sequence.RunAsync(_inputs, cancellationToken: cancellationToken).ConfigureAwait(false);
            _input.AsSpan(SileroVad.InputSamples - SileroVad.ContextSamples).CopyTo(_input);
            foreach (var output in outputs)
            {
                if (output.Name == "output" && output.Value.ElementType == TensorElementType.Float && output.Value.Buffer.Length == 1)
                {
                    return output.Value.Buffer.AsSpan<float>()[0];
                }
            }

            throw new ModelExecutionException(SileroVadModels.ModelName,
                $"the server's answer has no FP32 'output' of one element (got {string.Join(", ", outputs.Select(static o => $"'{o.Name}' {o.Value}"))}); is the served model Silero VAD v5 with sequence_batching?");
        }

        public override ValueTask DisposeAsync() => _sequence.DisposeAsync();
    }
}
