using System.Buffers;
using System.Buffers.Binary;

namespace ModelKit.Audio.Wav;

/// <summary>
/// Reads a RIFF/WAVE stream as mono float samples in [-1, 1]: PCM 8/16/24/32-bit and 32-bit float (plain or
/// <c>WAVE_FORMAT_EXTENSIBLE</c>), any number of channels averaged into one. Streams: memory stays bounded by the
/// caller's buffer whatever the header claims, and a data chunk left open by a streaming writer (size 0 or 0xFFFFFFFF)
/// is read to the end of the stream.
/// </summary>
public sealed class WavReader : IAsyncDisposable, IDisposable
{
    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;
    private const int MaxChannels = 64;
    private const int MaxSampleRate = 768_000;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private long? _remaining;
    private byte[] _raw = [];
    private int _rawCarry;

    private WavReader(Stream stream, bool leaveOpen, WavFormat format)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Format = format;
        _remaining = format.DataLength;
    }

    /// <summary>The stream's format.</summary>
    public WavFormat Format { get; }

    /// <summary>Opens a WAV file.</summary>
    public static ValueTask<WavReader> OpenAsync(string path, CancellationToken cancellationToken = default) =>
        OpenAsync(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true), leaveOpen: false, cancellationToken);

    /// <summary>Reads the header of <paramref name="stream"/> up to the start of its data chunk.</summary>
    /// <exception cref="WavFormatException">The header is broken, the data empty, or the encoding unsupported.</exception>
    public static async ValueTask<WavReader> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            var format = await ReadHeaderAsync(stream, cancellationToken).ConfigureAwait(false);
            return new WavReader(stream, leaveOpen, format);
        }
        catch
        {
            if (!leaveOpen)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>Reads every sample of a WAV file as mono floats at its own sample rate.</summary>
    public static async Task<(float[] Samples, int SampleRate)> ReadAllAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        await using var reader = await OpenAsync(stream, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        var all = new List<float>();
        var buffer = new float[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read));
        }

        return (all.ToArray(), reader.Format.SampleRate);
    }

    /// <summary>Reads up to <c>destination.Length</c> mono frames; returns how many were read, 0 at the end.</summary>
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (destination.IsEmpty)
        {
            return 0;
        }

        int block = Format.BlockAlign;
        long wanted = (long)destination.Length * block;
        if (_remaining is { } left)
        {
            wanted = Math.Min(wanted, _rawCarry + left);
        }

        if (wanted < block)
        {
            return 0;
        }

        if (_raw.Length < wanted)
        {
            _raw = new byte[wanted];
        }

        int carried = _rawCarry;
        int filled = carried;
        while (filled < block)
        {
            int n = await _stream.ReadAsync(_raw.AsMemory(filled, (int)wanted - filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (_remaining is { } declared && declared == Format.DataLength && filled == 0)
                {
                    throw new WavFormatException(WavError.BrokenHeader, $"the data chunk declares {declared} bytes but the stream ends before the first frame.");
                }

                _rawCarry = 0;
                _remaining = 0;
                return 0; // a truncated tail (a partial frame) is dropped
            }

            filled += n;
        }

        _remaining -= filled - carried;
        int frames = filled / block;
        int used = frames * block;
        Decode(_raw.AsSpan(0, used), destination.Span[..frames]);
        _rawCarry = filled - used;
        if (_rawCarry > 0)
        {
            _raw.AsSpan(used, _rawCarry).CopyTo(_raw);
        }

        return frames;
    }

    private void Decode(ReadOnlySpan<byte> raw, Span<float> mono)
    {
        int channels = Format.Channels;
        int bytes = Format.BytesPerSample;
        float scale = 1f / channels;
        for (int f = 0; f < mono.Length; f++)
        {
            float sum = 0;
            var frame = raw.Slice(f * bytes * channels, bytes * channels);
            for (int c = 0; c < channels; c++)
            {
                var s = frame.Slice(c * bytes, bytes);
                sum += Format.Encoding switch
                {
                    WavEncoding.Pcm8 => (s[0] - 128) / 128f,
                    WavEncoding.Pcm16 => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                    WavEncoding.Pcm24 => ((s[0] | (s[1] << 8) | (s[2] << 16)) << 8 >> 8) / 8388608f,
                    WavEncoding.Pcm32 => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
                    _ => BinaryPrimitives.ReadSingleLittleEndian(s),
                };
            }

            mono[f] = channels == 1 ? sum : sum * scale;
        }
    }

    private static async ValueTask<WavFormat> ReadHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[12];
        int got = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            throw new WavFormatException(WavError.ZeroLength, "the stream is empty (0 bytes); expected a RIFF/WAVE header.");
        }

        if (got < 12 || !header.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !header.AsSpan(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new WavFormatException(WavError.BrokenHeader, $"expected a RIFF/WAVE header ('RIFF'....'WAVE'), got {Describe(header.AsSpan(0, got))}.");
        }

        WavEncoding? encoding = null;
        int sampleRate = 0, channels = 0;
        var chunk = new byte[8];
        while (true)
        {
            got = await stream.ReadAtLeastAsync(chunk, 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got < 8)
            {
                throw new WavFormatException(WavError.BrokenHeader, encoding is null ? "the stream ends before a 'fmt ' chunk." : "the stream ends before a 'data' chunk.");
            }

            string id = System.Text.Encoding.ASCII.GetString(chunk, 0, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            if (id == "fmt ")
            {
                if (size < 16 || size > 1024)
                {
                    throw new WavFormatException(WavError.BrokenHeader, $"the 'fmt ' chunk is {size} bytes; expected 16 to 1024.");
                }

                var fmt = new byte[size + (size & 1)];
                if (await stream.ReadAtLeastAsync(fmt, fmt.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) < size)
                {
                    throw new WavFormatException(WavError.BrokenHeader, "the 'fmt ' chunk is truncated.");
                }

                (encoding, sampleRate, channels) = ParseFormat(fmt.AsSpan(0, (int)size));
            }
            else if (id == "data")
            {
                if (encoding is null)
                {
                    throw new WavFormatException(WavError.BrokenHeader, "the 'data' chunk comes before any 'fmt ' chunk.");
                }

                long? length = size is 0xFFFFFFFF ? null : size;
                if (length == 0 && stream.CanSeek && stream.Length > stream.Position)
                {
                    length = null; // a streaming writer that never patched the size
                }

                var format = new WavFormat(encoding.Value, sampleRate, channels, length);
                if (length is { } declared && declared < format.BlockAlign)
                {
                    throw new WavFormatException(WavError.ZeroLength, $"the data chunk holds {declared} bytes: no complete sample frame ({format.BlockAlign} bytes each).");
                }

                return format;
            }
            else
            {
                if (!id.All(c => c is >= ' ' and <= '~'))
                {
                    throw new WavFormatException(WavError.BrokenHeader, $"expected a chunk id, got {Describe(chunk.AsSpan(0, 4))}.");
                }

                await SkipAsync(stream, size + (size & 1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (WavEncoding, int, int) ParseFormat(ReadOnlySpan<byte> fmt)
    {
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == FormatExtensible)
        {
            if (fmt.Length < 40)
            {
                throw new WavFormatException(WavError.BrokenHeader, $"a WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is {fmt.Length} bytes; expected 40.");
            }

            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]); // the sub-format GUID's first two bytes
        }

        if (channels is < 1 or > MaxChannels)
        {
            throw new WavFormatException(WavError.BrokenHeader, $"the header declares {channels} channels; expected 1 to {MaxChannels}.");
        }

        if (rate is < 1000 or > MaxSampleRate)
        {
            throw new WavFormatException(WavError.BrokenHeader, $"the header declares a sample rate of {rate} Hz; expected 1000 to {MaxSampleRate}.");
        }

        WavEncoding encoding = (tag, bits) switch
        {
            (FormatPcm, 8) => WavEncoding.Pcm8,
            (FormatPcm, 16) => WavEncoding.Pcm16,
            (FormatPcm, 24) => WavEncoding.Pcm24,
            (FormatPcm, 32) => WavEncoding.Pcm32,
            (FormatFloat, 32) => WavEncoding.Float32,
            _ => throw new WavFormatException(WavError.UnsupportedEncoding,
                $"format tag {tag} ({TagName(tag)}) with {bits} bits per sample is not supported; expected PCM 8/16/24/32-bit or IEEE float 32-bit."),
        };

        int expectedAlign = channels * (bits / 8);
        if (blockAlign != expectedAlign)
        {
            throw new WavFormatException(WavError.BrokenHeader, $"the header declares a block align of {blockAlign} bytes; expected {expectedAlign} for {channels} channel(s) of {bits} bits.");
        }

        return (encoding, (int)rate, channels);
    }

    private static async ValueTask SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        if (stream.CanSeek)
        {
            if (stream.Position + count > stream.Length)
            {
                throw new WavFormatException(WavError.BrokenHeader, "a chunk runs past the end of the stream.");
            }

            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (count > 0)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new WavFormatException(WavError.BrokenHeader, "a chunk runs past the end of the stream.");
                }

                count -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string TagName(ushort tag) => tag switch
    {
        1 => "PCM",
        2 => "Microsoft ADPCM",
        3 => "IEEE float",
        6 => "A-law",
        7 => "µ-law",
        0x11 => "IMA ADPCM",
        0x55 => "MPEG Layer 3",
        _ => "unknown",
    };

    private static string Describe(ReadOnlySpan<byte> bytes) =>
        bytes.IsEmpty ? "nothing" : $"'{new string(System.Text.Encoding.ASCII.GetString(bytes).Select(c => c is >= ' ' and <= '~' ? c : '.').ToArray())}' ({bytes.Length} bytes)";

    /// <summary>Disposes the underlying stream unless the reader was opened with <c>leaveOpen</c>.</summary>
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Disposes the underlying stream asynchronously unless the reader was opened with <c>leaveOpen</c>.</summary>
    public ValueTask DisposeAsync() => _leaveOpen ? ValueTask.CompletedTask : _stream.DisposeAsync();
}
