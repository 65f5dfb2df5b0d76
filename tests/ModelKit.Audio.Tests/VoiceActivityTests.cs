using System.Runtime.CompilerServices;
using ModelKit.Audio.Vad;
using ModelKit.Audio.Wav;
using Xunit.Abstractions;

namespace ModelKit.Audio.Tests;

/// <summary>Silero VAD v5 end to end: espeak-ng speech, sox silences and noise, every supported WAV format and rate.</summary>
public sealed class VoiceActivityTests(VadFixture fixture, ITestOutputHelper output) : IClassFixture<VadFixture>
{
    private const double BoundaryTolerance = 0.150;
    private const double FormatTolerance = 0.050;

    [SkippableFact]
    public async Task Phrases_between_known_silences_give_one_segment_each_within_150_ms()
    {
        fixture.EnsureRecording();
        var segments = await Collect(fixture.Detector.DetectAsync(fixture.Recording));
        output.WriteLine("truth:    " + string.Join("  ", fixture.Truth.Select(t => $"[{t.Start:0.000}, {t.End:0.000})")));
        output.WriteLine("segments: " + string.Join("  ", segments));
        Assert.Equal(fixture.Truth.Count, segments.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            Assert.InRange(segments[i].Start.TotalSeconds, fixture.Truth[i].Start - BoundaryTolerance, fixture.Truth[i].Start + BoundaryTolerance);
            Assert.InRange(segments[i].End.TotalSeconds, fixture.Truth[i].End - BoundaryTolerance, fixture.Truth[i].End + BoundaryTolerance);
            Assert.InRange(segments[i].MeanProbability, 0.5f, 1f);
        }
    }

    public static TheoryData<string, string[]> Formats() => new()
    {
        { "pcm16-16k", ["-r", "16000", "-e", "signed-integer", "-b", "16"] },
        { "pcm16-8k", ["-r", "8000", "-e", "signed-integer", "-b", "16"] },
        { "pcm8-22k", ["-r", "22050", "-e", "unsigned-integer", "-b", "8"] },
        { "float32-44k", ["-r", "44100", "-e", "floating-point", "-b", "32"] },
        { "pcm16-48k-stereo", ["-r", "48000", "-e", "signed-integer", "-b", "16", "-c", "2"] },
        { "float32-16k-stereo", ["-r", "16000", "-e", "floating-point", "-b", "32", "-c", "2"] },
        { "pcm8-8k", ["-r", "8000", "-e", "unsigned-integer", "-b", "8"] },
    };

    [SkippableTheory]
    [MemberData(nameof(Formats))]
    public async Task Every_supported_format_and_rate_gives_the_same_segments_within_50_ms(string name, string[] format)
    {
        string reference = fixture.Convert("pcm16-16k", "-r", "16000", "-e", "signed-integer", "-b", "16");
        var expected = await Collect(fixture.Detector.DetectAsync(reference));
        var actual = await Collect(fixture.Detector.DetectAsync(fixture.Convert(name, format)));
        output.WriteLine($"16 kHz PCM16: {string.Join("  ", expected)}");
        output.WriteLine($"{name}: {string.Join("  ", actual)}");
        Assert.Equal(fixture.Truth.Count, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.InRange((actual[i].Start - expected[i].Start).TotalSeconds, -FormatTolerance, FormatTolerance);
            Assert.InRange((actual[i].End - expected[i].End).TotalSeconds, -FormatTolerance, FormatTolerance);
        }
    }

    [SkippableTheory]
    [InlineData("silence", new[] { "synth", "5", "sine", "0", "vol", "0" })]
    [InlineData("white-noise", new[] { "synth", "5", "whitenoise", "vol", "0.3" })]
    [InlineData("quiet-white-noise", new[] { "synth", "5", "whitenoise", "vol", "0.02" })]
    public async Task Silence_and_white_noise_give_no_segments(string name, string[] synth)
    {
        string path = Path.Combine(fixture.Folder, name + ".wav");
        ExternalTools.Run("sox", ["-n", "-r", "16000", "-c", "1", "-b", "16", path, .. synth]);
        var segments = await Collect(fixture.Detector.DetectAsync(path));
        Assert.Empty(segments);
    }

    /// <summary>PCM chunks of random sizes as IAsyncEnumerable give exactly the segments of the file (the stream is chunk-size independent).</summary>
    [SkippableFact]
    public async Task Pcm_chunks_of_any_size_give_the_segments_of_the_whole_file()
    {
        fixture.EnsureRecording();
        var whole = await Collect(fixture.Detector.DetectAsync(fixture.Recording));
        var (samples, rate) = await WavReader.ReadAllAsync(File.OpenRead(fixture.Recording));
        var chunked = await Collect(fixture.Detector.DetectAsync(Chunks(samples, seed: 3), rate));
        Assert.Equal(whole, chunked);
    }

    /// <summary>A segment arrives while the stream is still open: the consumer does not wait for the end of the audio.</summary>
    [SkippableFact]
    public async Task Segments_arrive_before_the_stream_ends()
    {
        fixture.EnsureRecording();
        var (samples, rate) = await WavReader.ReadAllAsync(File.OpenRead(fixture.Recording));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var detection = fixture.Detector.DetectAsync(Gated(samples, rate, gate.Task), rate).GetAsyncEnumerator();
        Assert.True(await detection.MoveNextAsync()); // first segment while the source still holds back its tail
        Assert.False(gate.Task.IsCompleted);
        Assert.InRange(detection.Current.End.TotalSeconds, fixture.Truth[0].End - BoundaryTolerance, fixture.Truth[0].End + BoundaryTolerance);
        gate.SetResult();
        int more = 0;
        while (await detection.MoveNextAsync())
        {
            more++;
        }

        Assert.Equal(fixture.Truth.Count - 1, more);
        await detection.DisposeAsync();
    }

    [Fact]
    public async Task Probability_stream_matches_running_the_contract_frame_by_frame()
    {
        var random = new Random(11);
        var samples = Enumerable.Range(0, 16000).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
        var probabilities = await fixture.Detector.ProbabilitiesAsync(Chunks(samples, seed: 5), 16000);
        Assert.Equal((16000 + 511) / 512, probabilities.Length);

        var vad = new SileroVad(fixture.Model);
        var frame = new float[512];
        for (int f = 0; f < probabilities.Length; f++)
        {
            Array.Clear(frame);
            samples.AsSpan(f * 512, Math.Min(512, samples.Length - f * 512)).CopyTo(frame);
            Assert.Equal(vad.Process(frame), probabilities[f], 6);
        }
    }

    private static async Task<List<SpeechSegment>> Collect(IAsyncEnumerable<SpeechSegment> segments)
    {
        var list = new List<SpeechSegment>();
        await foreach (var s in segments)
        {
            list.Add(s);
        }

        return list;
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<float>> Chunks(float[] samples, int seed)
    {
        var random = new Random(seed);
        int offset = 0;
        while (offset < samples.Length)
        {
            int n = Math.Min(samples.Length - offset, random.Next(1, 4000));
            yield return samples.AsMemory(offset, n);
            offset += n;
            await Task.Yield();
        }
    }

    private async IAsyncEnumerable<ReadOnlyMemory<float>> Gated(float[] samples, int rate, Task gate, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int holdFrom = (int)((fixture.Truth[1].Start - 0.2) * rate); // up to just before the second phrase
        for (int offset = 0; offset < holdFrom; offset += 1024)
        {
            yield return samples.AsMemory(offset, Math.Min(1024, holdFrom - offset));
        }

        await gate.WaitAsync(cancellationToken);
        yield return samples.AsMemory(holdFrom);
    }
}
