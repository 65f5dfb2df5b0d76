using System.Diagnostics;
using ModelKit.Audio.Vad;
using ModelKit.Audio.Wav;
using ModelKit.Samples.BlazorApp.Digits;

namespace ModelKit.Samples.BlazorApp.Media;

/// <summary>What the Listen page shows: the recording's length and format, and its speech segments.</summary>
public sealed record ListenResult(string Name, WavFormat Format, TimeSpan Duration, IReadOnlyList<SpeechSegment> Segments, InferenceLocation Location, TimeSpan Elapsed, bool ServerSequences = false);

/// <summary>The Listen page's work: find the speech segments of an uploaded or recorded WAV with Silero VAD.</summary>
public sealed class ListenService(MediaClients clients)
{
    /// <summary>The largest WAV accepted from the browser (about 4 minutes of 48 kHz stereo 16-bit).</summary>
    public const long MaxUploadBytes = 48 * 1024 * 1024;

    /// <summary>The segments of <paramref name="wav"/>.</summary>
    public async Task<ListenResult> DetectAsync(string name, byte[] wav, InferenceLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wav);
        WavFormat format;
        try
        {
            await using var header = await WavReader.OpenAsync(new MemoryStream(wav, writable: false), cancellationToken: cancellationToken).ConfigureAwait(false);
            format = header.Format;
        }
        catch (WavFormatException ex)
        {
            throw new MediaUnavailableException($"That file cannot be read: {ex.Message}", ex);
        }

        long start = Stopwatch.GetTimestamp();
        var segments = new List<SpeechSegment>();
        bool serverSequences = false;
        try
        {
            var (detector, sequences) = clients.VoiceActivity(location);
            serverSequences = sequences;
            await foreach (var segment in detector.DetectAsync(new MemoryStream(wav, writable: false), cancellationToken).ConfigureAwait(false))
            {
                segments.Add(segment);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw clients.Explain(ex, location);
        }

        var duration = format.Duration ?? (segments.Count > 0 ? segments[^1].End : TimeSpan.Zero);
        return new ListenResult(name, format, duration, segments, location, Stopwatch.GetElapsedTime(start), serverSequences);
    }
}
