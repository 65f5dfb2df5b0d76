using ModelKit.Audio.Vad;

namespace ModelKit.Audio.Tests;

/// <summary>The hysteresis on hand-made probability sequences, against the reference's rules (32 ms frames of 512 samples).</summary>
public sealed class SpeechSegmenterTests
{
    private const int F = 512;

    private static List<SpeechSegment> Run(float[] probabilities, VadOptions? options = null, long? total = null)
    {
        var segmenter = new SpeechSegmenter(options ?? new VadOptions());
        var segments = new List<SpeechSegment>();
        foreach (var p in probabilities)
        {
            segmenter.Push(p, segments);
        }

        segmenter.Complete(total ?? probabilities.Length * (long)F, segments);
        return segments;
    }

    private static float[] Frames(params (int Count, float P)[] runs) => runs.SelectMany(r => Enumerable.Repeat(r.P, r.Count)).ToArray();

    [Fact]
    public void One_burst_is_one_segment_padded_by_30_ms()
    {
        var segments = Run(Frames((20, 0.1f), (20, 0.9f), (20, 0.1f)));
        var s = Assert.Single(segments);
        Assert.Equal(20 * F - 480, s.StartSample);
        Assert.Equal(40 * F + 480, s.EndSample);
        Assert.Equal(0.9f, s.MeanProbability, 4);
    }

    [Fact]
    public void Bursts_shorter_than_250_ms_are_dropped()
    {
        Assert.Empty(Run(Frames((20, 0.1f), (7, 0.9f), (20, 0.1f)))); // 7 × 32 ms = 224 ms
        Assert.Single(Run(Frames((20, 0.1f), (8, 0.9f), (20, 0.1f)))); // 256 ms
    }

    [Fact]
    public void A_pause_shorter_than_100_ms_does_not_split()
    {
        // 3 frames (96 ms) below the negative threshold: the segment goes on.
        Assert.Single(Run(Frames((10, 0f), (15, 0.9f), (3, 0.1f), (15, 0.9f), (20, 0f))));
        // 4 frames (128 ms): two segments.
        Assert.Equal(2, Run(Frames((10, 0f), (15, 0.9f), (5, 0.1f), (15, 0.9f), (20, 0f))).Count);
    }

    [Fact]
    public void Probabilities_between_the_thresholds_keep_speech_going()
    {
        var s = Assert.Single(Run(Frames((10, 0f), (10, 0.9f), (30, 0.4f), (10, 0.9f), (20, 0f))));
        Assert.Equal(60 * F + 480, s.EndSample);
        Assert.Equal((10 * 0.9 + 30 * 0.4 + 10 * 0.9) / 50, s.MeanProbability, 4);
    }

    [Fact]
    public void Speech_running_to_the_end_closes_at_the_audio_length()
    {
        var s = Assert.Single(Run(Frames((10, 0f), (20, 0.9f)), total: 30 * F - 100));
        Assert.Equal(30 * F - 100, s.EndSample);
    }

    [Fact]
    public void Close_segments_split_the_gap_when_padding_would_overlap()
    {
        var options = new VadOptions { MinSilenceDuration = TimeSpan.FromMilliseconds(20), SpeechPad = TimeSpan.FromMilliseconds(100) };
        var segments = Run(Frames((10, 0f), (10, 0.9f), (2, 0.1f), (10, 0.9f), (20, 0f)), options);
        Assert.Equal(2, segments.Count);
        Assert.Equal(20 * F + F, segments[0].EndSample); // gap of 2 frames split evenly
        Assert.Equal(segments[0].EndSample, segments[1].StartSample);
    }

    [Fact]
    public void Segments_are_emitted_while_the_stream_goes_on()
    {
        var segmenter = new SpeechSegmenter(new VadOptions());
        var segments = new List<SpeechSegment>();
        foreach (var p in Frames((10, 0f), (10, 0.9f), (10, 0f)))
        {
            segmenter.Push(p, segments);
        }

        Assert.Single(segments); // final before Complete: 320 ms of silence followed
    }

    [Fact]
    public void Bad_options_are_refused_by_name()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new SpeechSegmenter(new VadOptions { Threshold = 0.3f, NegativeThreshold = 0.6f }));
        Assert.Contains("NegativeThreshold", ex.Message, StringComparison.Ordinal);
    }
}
