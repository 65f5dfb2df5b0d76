using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using ModelKit.Audio.Wav;

namespace ModelKit.Samples.Media.Listening;

/// <summary>espeak-ng is not installed.</summary>
public sealed class SpeechSynthesizerNotFoundException(string message) : Exception(message);

/// <summary>A recording the sample made: the WAV file and where each phrase's speech lies in it.</summary>
public sealed record SpeechRecording(string Path, TimeSpan Duration, IReadOnlyList<(TimeSpan Start, TimeSpan End, string Text)> Phrases);

/// <summary>
/// Makes a test recording with Debian's <c>espeak-ng</c>: each phrase synthesized (<c>espeak-ng --stdout</c>), its own leading and
/// trailing silence trimmed, and the phrases joined with silences of known lengths into one 16-bit mono WAV — so where the speech
/// is, is known to the sample. The equivalent shell commands (espeak-ng and sox) are in <see cref="ShellRecipe"/>.
/// </summary>
public static class SpeechRecordingMaker
{
    /// <summary>The default phrases, each with the silence before it.</summary>
    public static readonly IReadOnlyList<(TimeSpan SilenceBefore, string Text)> DefaultPhrases =
    [
        (TimeSpan.FromSeconds(1.0), "The quick brown fox jumps over the lazy dog"),
        (TimeSpan.FromSeconds(0.8), "Seven silver spoons rest on the wooden table"),
        (TimeSpan.FromSeconds(1.5), "Please remember to water the garden tomorrow morning"),
    ];

    /// <summary>The silence after the last phrase.</summary>
    public static readonly TimeSpan TrailingSilence = TimeSpan.FromSeconds(1.2);

    /// <summary>How to make a recording by hand (what <see cref="Make"/> does, with sox joining the parts).</summary>
    public const string ShellRecipe =
        "espeak-ng -v en-us -w one.wav \"The quick brown fox jumps over the lazy dog\"\n" +
        "espeak-ng -v en-us -w two.wav \"Seven silver spoons rest on the wooden table\"\n" +
        "sox -n -r 22050 -c 1 -b 16 gap.wav trim 0 1.5\n" +
        "sox gap.wav one.wav gap.wav two.wav gap.wav speech.wav";

    // Below this amplitude a sample counts as espeak-ng's own silence (trimmed off each phrase).
    private const float SilenceThreshold = 0.005f;

    /// <summary>Synthesizes <paramref name="phrases"/> (default: <see cref="DefaultPhrases"/>) into <paramref name="path"/>.</summary>
    /// <exception cref="SpeechSynthesizerNotFoundException">espeak-ng is not installed.</exception>
    public static async Task<SpeechRecording> MakeAsync(
        string path, IReadOnlyList<(TimeSpan SilenceBefore, string Text)>? phrases = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        phrases ??= DefaultPhrases;
        var samples = new List<float>();
        var truth = new List<(TimeSpan, TimeSpan, string)>();
        int rate = 0;
        foreach (var (silence, text) in phrases)
        {
            var (speech, speechRate) = await SynthesizeAsync(text, cancellationToken).ConfigureAwait(false);
            if (rate != 0 && speechRate != rate)
            {
                throw new InvalidOperationException($"espeak-ng changed its sample rate from {rate} to {speechRate} Hz between phrases.");
            }

            rate = speechRate;
            samples.AddRange(new float[(int)Math.Round(silence.TotalSeconds * rate)]);
            var trimmed = Trim(speech);
            var start = TimeSpan.FromSeconds(samples.Count / (double)rate);
            samples.AddRange(trimmed.ToArray());
            truth.Add((start, TimeSpan.FromSeconds(samples.Count / (double)rate), text));
        }

        samples.AddRange(new float[(int)Math.Round(TrailingSilence.TotalSeconds * rate)]);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, Pcm16Wav(samples, rate), cancellationToken).ConfigureAwait(false);
        return new SpeechRecording(Path.GetFullPath(path), TimeSpan.FromSeconds(samples.Count / (double)rate), truth);
    }

    /// <summary>Mono floats as a 16-bit PCM WAV file's bytes.</summary>
    public static byte[] Pcm16Wav(IReadOnlyList<float> samples, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int dataLength = samples.Count * 2;
        var bytes = new byte[44 + dataLength];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + dataLength);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);                  // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);                  // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * 2);     // bytes per second
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);                  // block align
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);                 // bits per sample
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], dataLength);
        for (int i = 0; i < samples.Count; i++)
        {
            short value = (short)Math.Clamp(MathF.Round(samples[i] * 32767f), short.MinValue, short.MaxValue);
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + (2 * i))..], value);
        }

        return bytes;
    }

    private static ReadOnlySpan<float> Trim(float[] speech)
    {
        int first = Array.FindIndex(speech, static s => MathF.Abs(s) > SilenceThreshold);
        int last = Array.FindLastIndex(speech, static s => MathF.Abs(s) > SilenceThreshold);
        return first < 0 ? [] : speech.AsSpan(first, last - first + 1);
    }

    private static async Task<(float[] Samples, int Rate)> SynthesizeAsync(string text, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("espeak-ng") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-v", "en-us", "--stdout", text })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SpeechSynthesizerNotFoundException("espeak-ng did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new SpeechSynthesizerNotFoundException($"espeak-ng is not installed ({ex.Message}): `apt-get install espeak-ng`, or make a WAV yourself:\n{ShellRecipe}");
        }

        using (process)
        {
            var wav = new MemoryStream();
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.BaseStream.CopyToAsync(wav, cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"espeak-ng failed ({process.ExitCode}): {await stderr.ConfigureAwait(false)}");
            }

            // espeak-ng writes to a pipe with an open data size: the reader reads to the end.
            wav.Position = 0;
            return await WavReader.ReadAllAsync(wav, cancellationToken).ConfigureAwait(false);
        }
    }
}
