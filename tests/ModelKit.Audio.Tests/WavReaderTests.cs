using System.Buffers.Binary;
using ModelKit.Audio.Wav;

namespace ModelKit.Audio.Tests;

/// <summary>The WAV reader against files sox writes (an independent encoder), and against broken files.</summary>
public sealed class WavReaderTests
{
    /// <summary>
    /// A 440 Hz tone encoded by sox (undithered) in each supported encoding reads back as the samples of sox's own 32-bit float
    /// rendering, within half a quantization step of the encoding.
    /// </summary>
    [SkippableTheory]
    [InlineData("signed-integer", 16, 1, WavEncoding.Pcm16, 0.51 / 32768)]
    [InlineData("unsigned-integer", 8, 1, WavEncoding.Pcm8, 0.51 / 128)]
    [InlineData("floating-point", 32, 1, WavEncoding.Float32, 0)]
    [InlineData("signed-integer", 24, 1, WavEncoding.Pcm24, 0.51 / 8388608)]
    [InlineData("signed-integer", 32, 1, WavEncoding.Pcm32, 1e-7)]
    [InlineData("signed-integer", 16, 2, WavEncoding.Pcm16, 0.51 / 32768)]
    public async Task Sox_encoded_tone_reads_back(string encoding, int bits, int channels, WavEncoding expected, double tolerance)
    {
        string folder = ExternalTools.TempFolder("wav");
        string reference = Path.Combine(folder, "reference.wav");
        string path = Path.Combine(folder, "tone.wav");
        ExternalTools.Run("sox", "-D", "-n", "-r", "16000", "-c", "1", "-e", "floating-point", "-b", "32", reference, "synth", "0.5", "sine", "440", "vol", "0.5");
        ExternalTools.Run("sox", "-D", reference, "-c", channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-e", encoding, "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), path);

        await using (var reader = await WavReader.OpenAsync(path))
        {
            Assert.Equal(expected, reader.Format.Encoding);
            Assert.Equal(channels, reader.Format.Channels);
            Assert.Equal(16000, reader.Format.SampleRate);
            Assert.Equal(8000, reader.Format.FrameCount);
        }

        var (floats, _) = await WavReader.ReadAllAsync(File.OpenRead(reference));
        var (samples, rate) = await WavReader.ReadAllAsync(File.OpenRead(path));
        Assert.Equal(16000, rate);
        Assert.Equal(8000, samples.Length);
        double maxError = 0, maxSine = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs(samples[i] - floats[i]));
            maxSine = Math.Max(maxSine, Math.Abs(floats[i] - 0.5 * Math.Sin(2 * Math.PI * 440 * i / 16000.0)));
        }

        Assert.True(maxError <= tolerance, $"max error {maxError} > {tolerance}");
        Assert.True(maxSine < 0.02, $"the float rendering is not the expected tone: max deviation {maxSine}");
    }

    [Fact]
    public async Task Stereo_is_mixed_down_to_the_mean_of_the_channels()
    {
        var wav = Build(format: 1, channels: 2, rate: 8000, bits: 16, data: Pcm16(1000, -3000, 16384, 16384));
        var (samples, _) = await WavReader.ReadAllAsync(new MemoryStream(wav));
        Assert.Equal([-1000 / 32768f, 16384 / 32768f], samples);
    }

    [Fact]
    public async Task Streamed_wav_with_an_open_data_size_reads_to_the_end_in_small_reads()
    {
        var wav = Build(format: 1, channels: 1, rate: 16000, bits: 16, data: Pcm16(1, 2, 3, 4, 5), dataSize: 0xFFFFFFFF);
        await using var reader = await WavReader.OpenAsync(new OneByteStream(wav));
        Assert.Null(reader.Format.DataLength);
        var buffer = new float[2];
        var all = new List<float>();
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n));
        }

        Assert.Equal(new[] { 1, 2, 3, 4, 5 }.Select(v => v / 32768f), all);
    }

    [Fact]
    public async Task Empty_stream_is_a_zero_length_error()
    {
        var ex = await Assert.ThrowsAsync<WavFormatException>(() => WavReader.OpenAsync(new MemoryStream()).AsTask());
        Assert.Equal(WavError.ZeroLength, ex.Error);
    }

    [Fact]
    public async Task Header_with_an_empty_data_chunk_is_a_zero_length_error()
    {
        var ex = await Assert.ThrowsAsync<WavFormatException>(() => WavReader.OpenAsync(new MemoryStream(Build(1, 1, 16000, 16, []))).AsTask());
        Assert.Equal(WavError.ZeroLength, ex.Error);
        Assert.Contains("0 bytes", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> BrokenHeaders()
    {
        var good = Build(1, 1, 16000, 16, Pcm16(1, 2, 3));
        var notRiff = (byte[])good.Clone();
        "RIFX"u8.CopyTo(notRiff);
        var noWave = (byte[])good.Clone();
        "AVI "u8.CopyTo(noWave.AsSpan(8));
        var badAlign = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(badAlign.AsSpan(32), 7);
        var zeroChannels = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(zeroChannels.AsSpan(22), 0);
        var hugeRate = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeRate.AsSpan(24), 4_000_000_000);
        var hugeFmt = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeFmt.AsSpan(16), 0x7FFFFFFF);
        return new TheoryData<string, byte[]>
        {
            { "text", "hello, this is not audio at all"u8.ToArray() },
            { "truncated after RIFF", good[..6] },
            { "RIFX", notRiff },
            { "not WAVE", noWave },
            { "truncated in fmt", good[..30] },
            { "no data chunk", good[..36] },
            { "block align", badAlign },
            { "zero channels", zeroChannels },
            { "rate", hugeRate },
            { "fmt size", hugeFmt },
            { "data declared but absent", good[..44] },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public async Task Broken_header_is_a_clear_error(string name, byte[] wav)
    {
        var ex = await Assert.ThrowsAsync<WavFormatException>(async () =>
        {
            var (samples, _) = await WavReader.ReadAllAsync(new MemoryStream(wav));
            Assert.Fail($"{name}: read {samples.Length} samples");
        });
        Assert.Equal(WavError.BrokenHeader, ex.Error);
    }

    [SkippableTheory]
    [InlineData("a-law", 8)]
    [InlineData("u-law", 8)]
    [InlineData("ima-adpcm", 4)]
    [InlineData("floating-point", 64)]
    public async Task Unsupported_encodings_written_by_sox_are_refused_by_name(string encoding, int bits)
    {
        string folder = ExternalTools.TempFolder("wav");
        string path = Path.Combine(folder, "tone.wav");
        ExternalTools.Run("sox", "-n", "-r", "8000", "-c", "1", "-e", encoding, "-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture), path, "synth", "0.1", "sine", "440");
        var ex = await Assert.ThrowsAsync<WavFormatException>(() => WavReader.OpenAsync(path).AsTask());
        Assert.Equal(WavError.UnsupportedEncoding, ex.Error);
        Assert.Contains("not supported", ex.Message, StringComparison.Ordinal);
    }

    internal static byte[] Pcm16(params short[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return bytes;
    }

    /// <summary>A canonical 44-byte-header WAV.</summary>
    internal static byte[] Build(ushort format, ushort channels, uint rate, ushort bits, byte[] data, uint? dataSize = null)
    {
        var wav = new byte[44 + data.Length];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(36 + data.Length));
        "WAVE"u8.CopyTo(wav.AsSpan(8));
        "fmt "u8.CopyTo(wav.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(20), format);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(22), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(24), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(28), rate * channels * (uint)(bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(32), (ushort)(channels * bits / 8));
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(34), bits);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), dataSize ?? (uint)data.Length);
        data.CopyTo(wav, 44);
        return wav;
    }

    /// <summary>A non-seekable stream that returns one byte per read (a slow network stream).</summary>
    private sealed class OneByteStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= data.Length || count == 0)
            {
                return 0;
            }

            buffer[offset] = data[_position++];
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
