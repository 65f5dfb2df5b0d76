using ModelKit.Audio.Framing;
using ModelKit.Audio.Resampling;

namespace ModelKit.Audio.Tests;

public sealed class ResamplerTests
{
    /// <summary>A 440 Hz tone at each supported rate becomes the same tone at 16 kHz (aligned, unity gain).</summary>
    [Theory]
    [InlineData(8000)]
    [InlineData(22050)]
    [InlineData(44100)]
    [InlineData(48000)]
    public void Tone_resamples_to_16_kHz(int rate)
    {
        var input = Tone(440, rate, 1.0);
        var output = Resampler.Resample(input, rate, 16000);
        Assert.InRange(output.Length, 15999, 16001);
        double maxError = 0;
        for (int i = 400; i < output.Length - 400; i++) // away from the edges
        {
            maxError = Math.Max(maxError, Math.Abs(output[i] - 0.5 * Math.Sin(2 * Math.PI * 440 * i / 16000.0)));
        }

        Assert.True(maxError < 2e-3, $"{rate} Hz: max error {maxError}");
    }

    /// <summary>Content above 8 kHz is removed, not folded back into the band (anti-aliasing).</summary>
    [Fact]
    public void Frequencies_above_the_new_nyquist_are_filtered()
    {
        var output = Resampler.Resample(Tone(12000, 48000, 1.0), 48000, 16000);
        double rms = Math.Sqrt(output.Skip(400).Take(15000).Average(v => (double)v * v));
        Assert.True(rms < 1e-3, $"rms {rms}");
    }

    /// <summary>Chunked streaming gives the same samples as one call, whatever the chunk sizes.</summary>
    [Fact]
    public void Streaming_in_odd_chunks_equals_one_shot()
    {
        var input = Tone(300, 44100, 0.7);
        var whole = Resampler.Resample(input, 44100, 16000);
        var resampler = new Resampler(44100, 16000);
        var streamed = new List<float>();
        var random = new Random(7);
        int offset = 0;
        while (offset < input.Length)
        {
            int n = Math.Min(input.Length - offset, random.Next(1, 3000));
            var buffer = new float[resampler.MaxOutputFor(n)];
            int written = resampler.Process(input.AsSpan(offset, n), buffer);
            streamed.AddRange(buffer.AsSpan(0, written));
            offset += n;
        }

        var tail = new float[resampler.MaxOutputFor(0)];
        streamed.AddRange(tail.AsSpan(0, resampler.Flush(tail)));
        Assert.Equal(whole.Length, streamed.Count);
        for (int i = 0; i < whole.Length; i++)
        {
            Assert.Equal(whole[i], streamed[i], 6);
        }
    }

    [Fact]
    public void Framer_carries_remainders_and_pads_the_last_frame()
    {
        var framer = new AudioFramer(4);
        var frames = new List<float[]>();
        FrameHandler<List<float[]>> collect = static (frame, list) => list.Add(frame.ToArray());
        framer.Push([1f, 2f, 3f], frames, collect);
        framer.Push([4f, 5f], frames, collect);
        framer.Push([6f, 7f, 8f, 9f], frames, collect);
        Assert.True(framer.Flush(frames, collect));
        Assert.Equal([[1f, 2f, 3f, 4f], [5f, 6f, 7f, 8f], [9f, 0f, 0f, 0f]], frames);
        Assert.Equal(9, framer.TotalSamples);
    }

    private static float[] Tone(double frequency, int rate, double seconds) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * frequency * i / rate))).ToArray();
}
