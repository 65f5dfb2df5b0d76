using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio.Vad;
using ModelKit.Audio.Wav;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Samples.Media.Listening;

namespace ModelKit.Samples.ConsoleApp.Media;

/// <summary>
/// <c>listen</c>: finds the speech in a WAV file with Silero VAD v5 (the reference hysteresis) and prints the segments and a
/// timeline. With no file it makes a recording with espeak-ng (when installed) or says how to make one.
/// </summary>
internal sealed class ListenRunner(MediaOptions options, TextWriter output)
{
    private const int TimelineWidth = 60;

    public async Task<int> RunAsync(string? wavPath, CancellationToken cancellationToken)
    {
        if (wavPath is null)
        {
            wavPath = Path.Combine(options.OutputFolder, "listen-sample.wav");
            try
            {
                var recording = await SpeechRecordingMaker.MakeAsync(wavPath, cancellationToken: cancellationToken).ConfigureAwait(false);
                output.WriteLine($"No WAV given: synthesized {recording.Phrases.Count} phrases with espeak-ng into {recording.Path} ({recording.Duration.TotalSeconds:F2} s); the speech is at");
                foreach (var (start, end, text) in recording.Phrases)
                {
                    output.WriteLine($"      {start.TotalSeconds,6:F3} s – {end.TotalSeconds,6:F3} s  \"{text}\"");
                }
            }
            catch (SpeechSynthesizerNotFoundException)
            {
                output.WriteLine("No WAV given, and espeak-ng is not installed to make one. Install it (apt-get install espeak-ng sox), or record");
                output.WriteLine("any WAV (PCM 8/16/24/32-bit or float, mono or stereo, 8–48 kHz) and pass its path. With espeak-ng and sox:");
                output.WriteLine();
                foreach (string line in SpeechRecordingMaker.ShellRecipe.Split('\n'))
                {
                    output.WriteLine($"  {line}");
                }

                output.WriteLine("  dotnet run --project samples/ModelKit.Samples.Console -- listen speech.wav");
                return 2;
            }
        }
        else if (!File.Exists(wavPath))
        {
            throw new FileNotFoundException($"no WAV file at '{Path.GetFullPath(wavPath)}'.", wavPath);
        }

        WavFormat format;
        await using (var header = await WavReader.OpenAsync(wavPath, cancellationToken).ConfigureAwait(false))
        {
            format = header.Format;
        }

        string model = await MediaModels.EnsureSileroVadAsync(cancellationToken).ConfigureAwait(false);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddVoiceActivity(model, options.Placement));
        await using var provider = services.BuildServiceProvider();
        var (detector, serverSequences) = MediaModels.VoiceActivity(provider);
        output.WriteLine();
        output.WriteLine($"Listening to {Path.GetFileName(wavPath)} ({format.SampleRate:N0} Hz, {format.Channels} channel{(format.Channels == 1 ? string.Empty : "s")}, {format.Encoding}" +
            $"{(format.Duration is { } d ? $", {d.TotalSeconds:F2} s" : string.Empty)}): Silero VAD v5 (model '{SileroVadModels.ModelName}'), {options.Placement}" +
            (serverSequences ? ", one server-side sequence (the server keeps the state; only audio on the wire)" : options.Placement.IsRemote ? ", the state sent with each frame (the server serves the model stateless)" : string.Empty));

        long started = Stopwatch.GetTimestamp();
        var segments = new List<SpeechSegment>();
        await foreach (var segment in detector.DetectAsync(wavPath, cancellationToken).ConfigureAwait(false))
        {
            segments.Add(segment);
            output.WriteLine($"  {segments.Count,2}. {segment.Start.TotalSeconds,7:F3} s – {segment.End.TotalSeconds,7:F3} s  ({segment.Duration.TotalSeconds:F3} s)  p={segment.MeanProbability:F2}");
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (segments.Count == 0)
        {
            output.WriteLine("  no speech found");
        }

        var length = format.Duration ?? (segments.Count > 0 ? segments[^1].End : TimeSpan.Zero);
        if (length > TimeSpan.Zero)
        {
            output.WriteLine($"  timeline |{Timeline(segments, length)}| {length.TotalSeconds:F1} s (# speech)");
        }

        output.WriteLine($"  {segments.Count} segment{(segments.Count == 1 ? string.Empty : "s")} in {elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }

    private static string Timeline(IReadOnlyList<SpeechSegment> segments, TimeSpan length)
    {
        var cells = new StringBuilder(new string('-', TimelineWidth));
        foreach (var segment in segments)
        {
            int from = (int)Math.Floor(segment.Start / length * TimelineWidth);
            int to = (int)Math.Ceiling(segment.End / length * TimelineWidth);
            for (int i = Math.Max(0, from); i < Math.Min(TimelineWidth, to); i++)
            {
                cells[i] = '#';
            }
        }

        return cells.ToString();
    }
}
