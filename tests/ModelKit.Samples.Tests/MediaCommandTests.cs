using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelKit.Audio.Wav;
using ModelKit.Samples.ConsoleApp.Media;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Samples.Media.Reading;
using ModelKit.Testing;

namespace ModelKit.Samples.Tests;

/// <summary>
/// The console sample's <c>search</c>, <c>read</c> and <c>listen</c> commands, in-process with real models: locally on ONNX Runtime,
/// and against a real ModelKit server over each protocol (the same answers).
/// </summary>
public sealed partial class MediaCommandTests(MediaServer server) : IClassFixture<MediaServer>, IDisposable
{
    internal static readonly string[] Queries = ["someone plays an instrument", "the stock market fell today", "will it rain tomorrow", "a puppy chasing a ball in the yard"];
    private static readonly string[] ExpectedTopics = ["music", "finance", "weather", "animals"];

    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"modelkit-media-{Guid.NewGuid():N}")).FullName;

    [Fact]
    public async Task Search_RanksTheSentencesOfTheQuerysTopicFirst()
    {
        var (text, folder) = await server.LocalSearch.Value;

        Assert.Contains("Semantic search: all-MiniLM-L6-v2 (model 'minilm'), in-process (ONNX Runtime)", text, StringComparison.Ordinal);
        Assert.Contains("embedded 300 sentences", text, StringComparison.Ordinal);
        Assert.Equal(300, File.ReadAllLines(Path.Combine(folder, "search-corpus.txt")).Length);
        var results = Hits(text);
        Assert.Equal(Queries.Length, results.Count);
        for (int q = 0; q < Queries.Length; q++)
        {
            var hits = results[q];
            Assert.Equal(5, hits.Count);
            Assert.All(hits.Take(3), h => Assert.Equal(ExpectedTopics[q], h.Topic));
            Assert.True(hits[0].Score > 0.45f, $"'{Queries[q]}': best score {hits[0].Score}");
            Assert.Equal(hits.Select(static h => h.Score).OrderDescending(), hits.Select(static h => h.Score));
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task Search_AgainstAServer_RanksTheSameSentencesWithTheSameScores(string protocol)
    {
        var local = Hits((await server.LocalSearch.Value).Output);
        string text = await Search(Remote(protocol));

        Assert.Contains($"remote ({protocol} to {server.Host.EndpointFor(protocol)})", text, StringComparison.Ordinal);
        var remote = Hits(text);
        Assert.Equal(local.Select(static q => q.Select(static h => h.Text)), remote.Select(static q => q.Select(static h => h.Text)));
        Assert.All(local.Zip(remote).SelectMany(static p => p.First.Zip(p.Second)), p => Assert.Equal(p.First.Score, p.Second.Score, 3));
    }

    [Fact]
    public async Task Read_WithoutAnImage_DrawsTheSampleTextAndReadsItsLines()
    {
        string text = await Read(ModelPlacement.Local);

        Assert.Contains("No image given: drew the sample text in DejaVu Sans", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "read-sample.png")));
        var lines = Lines(text);
        var expected = TextImage.SampleText.Split('\n');
        Assert.Equal(expected.Length, lines.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            // PaddleOCR's recognizer often runs English words together: characters are compared without spaces (ModelKit.Vision's README).
            Assert.True(TextMetrics.CharacterAccuracy(expected[i], lines[i].Text) >= 0.95, $"line {i + 1}: expected \"{expected[i]}\", read \"{lines[i].Text}\"");
            Assert.InRange(lines[i].Confidence, 0.5f, 1f);
        }

        // Boxes in reading order, inside the image.
        Assert.Equal(lines.OrderBy(static l => l.Top), lines);
        var size = TextImage.Measure(File.ReadAllBytes(Path.Combine(_folder, "read-sample.png")))!.Value;
        Assert.All(lines, l => Assert.True(l.Top >= 0 && l.Bottom <= size.Height && l.Right <= size.Width, $"box of \"{l.Text}\" outside {size}"));
    }

    [Fact]
    public async Task Read_AgainstAServer_ReadsTheSameLines()
    {
        // The server serves the pipeline as one model: the image goes there (one request), the lines come back.
        string localOutput = await Read(ModelPlacement.Local, "Remote reading works\nover rest json too");
        Assert.Contains("models 'paddleocr-det'", localOutput);
        var local = Lines(localOutput);
        Assert.Equal(2, local.Count);
        foreach (string protocol in new[] { "rest-json", "grpc" })
        {
            string remoteOutput = await Read(Remote(protocol), "Remote reading works\nover rest json too");
            Assert.Contains("served as one model 'paddleocr'", remoteOutput);
            var remote = Lines(remoteOutput);
            Assert.Equal(local.Select(static l => l.Text), remote.Select(static l => l.Text));
            Assert.Equal(local.Select(static l => l.Confidence), remote.Select(static l => l.Confidence));
            Assert.Equal(local, remote); // boxes too (as printed)
        }

        // Told not to use served pipelines, the same command runs the processing here with only tensors on the wire.
        string tensorsOutput = await Read(new ModelPlacement { Endpoint = Remote("rest-json").Endpoint, Protocol = "rest-json", UseServedPipelines = false }, "Remote reading works\nover rest json too");
        Assert.Contains("models 'paddleocr-det'", tensorsOutput);
        Assert.Equal(local.Select(static l => l.Text), Lines(tensorsOutput).Select(static l => l.Text));
    }

    [Fact]
    public void A_server_without_the_pipeline_is_told_apart_from_one_with_it()
    {
        foreach (string protocol in new[] { "rest-binary", "grpc" })
        {
            Assert.True(MediaModels.Serves(Remote(protocol), ModelKit.Vision.Ocr.PaddleOcrModels.PipelineName), protocol);
            Assert.False(MediaModels.Serves(Remote(protocol), "no-such-pipeline"), protocol);
        }
    }

    [Fact]
    public async Task Read_AMissingOrBrokenImage_IsAClearError()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => new ReadRunner(Options(ModelPlacement.Local), new StringWriter()).RunAsync(Path.Combine(_folder, "absent.png"), null, CancellationToken.None));

        string broken = Path.Combine(_folder, "broken.png");
        File.WriteAllBytes(broken, TextImage.Render("cut short").Png[..60]);
        var error = await Assert.ThrowsAsync<ModelKit.Vision.Imaging.ImageDecodeException>(() => new ReadRunner(Options(ModelPlacement.Local), new StringWriter()).RunAsync(broken, null, CancellationToken.None));
        Assert.Equal(ModelKit.Vision.Imaging.ImageDecodeError.Corrupt, error.Error);
    }

    [SkippableFact]
    public async Task Listen_WithoutAWav_SynthesizesPhrasesAndFindsEachOne()
    {
        string text = await Listen(ModelPlacement.Local);

        var truth = TruthPattern().Matches(text).Select(static m => (Start: Seconds(m.Groups[1].Value), End: Seconds(m.Groups[2].Value))).ToList();
        var segments = Segments(text);
        Assert.Equal(3, truth.Count);
        Assert.Equal(truth.Count, segments.Count);
        for (int i = 0; i < truth.Count; i++)
        {
            // The reference hysteresis pads speech by 30 ms and ends a segment after 100 ms of silence.
            Assert.InRange(segments[i].Start, truth[i].Start - 0.15, truth[i].Start + 0.15);
            Assert.InRange(segments[i].End, truth[i].End - 0.15, truth[i].End + 0.2);
        }

        Assert.Matches(@"timeline \|-+#+-+#+-+#+-+\|", text);
        Assert.Contains("3 segments in", text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Listen_AgainstAServer_FindsTheSameSegments()
    {
        var local = Segments(await Listen(ModelPlacement.Local));
        var remote = Segments(await Listen(Remote("rest-binary")));

        Assert.NotEmpty(local);
        Assert.Equal(local, remote);
    }

    [SkippableFact]
    public async Task Listen_AgainstAServedSequenceModel_SendsOnlyAudioAndFindsTheSameSegments()
    {
        var local = Segments(await Listen(ModelPlacement.Local));
        string stateless = await Listen(Remote("grpc"));
        Assert.Contains("the state sent with each frame", stateless, StringComparison.Ordinal);

        using var sequences = new MetricCollector<long>(server.SequenceHost.Services.GetRequiredService<IMeterFactory>(), "ModelKit.Server", "modelkit.server.sequences.closed");
        foreach (string protocol in new[] { "rest-binary", "grpc" })
        {
            string text = await Listen(new ModelPlacement { Endpoint = server.SequenceHost.EndpointFor(protocol), Protocol = protocol });
            Assert.Contains("one server-side sequence", text, StringComparison.Ordinal);
            Assert.Equal(local, Segments(text));
        }

        // Each listen was one sequence on the server, ended by the detector when the audio ended.
        Assert.Equal(2, sequences.GetMeasurementSnapshot().Where(static m => Equals(m.Tags["outcome"], "ended")).Sum(static m => m.Value));
    }

    [Fact]
    public async Task Listen_ABrokenWav_IsAClearError()
    {
        string broken = Path.Combine(_folder, "broken.wav");
        File.WriteAllBytes(broken, "RIFF\0\0\0\0WAVEjunk"u8.ToArray());

        var error = await Assert.ThrowsAsync<WavFormatException>(() => new ListenRunner(Options(ModelPlacement.Local), new StringWriter()).RunAsync(broken, CancellationToken.None));
        Assert.Equal(WavError.BrokenHeader, error.Error);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ModelPlacement Remote(string protocol) => new() { Endpoint = server.Host.EndpointFor(protocol), Protocol = protocol };

    private MediaOptions Options(ModelPlacement placement) => new(placement, _folder);

    private async Task<string> Search(ModelPlacement placement)
    {
        var output = new StringWriter();
        Assert.Equal(0, await new SearchRunner(Options(placement), output).RunAsync(Queries, 5, 300, null, CancellationToken.None));
        return output.ToString();
    }

    private async Task<string> Read(ModelPlacement placement, string? text = null)
    {
        var output = new StringWriter();
        Assert.Equal(0, await new ReadRunner(Options(placement), output).RunAsync(null, text, CancellationToken.None));
        return output.ToString();
    }

    private async Task<string> Listen(ModelPlacement placement)
    {
        var output = new StringWriter();
        int exitCode = await new ListenRunner(Options(placement), output).RunAsync(null, CancellationToken.None);

        if (exitCode == 2)
        {
            string message = "espeak-ng is not installed (apt-get install espeak-ng).";
            Skip.If(!SharedData.IsCI, message + " Skipping.");
            Assert.Fail(message + " Under CI=true it must be present.");
        }

        Assert.Equal(0, exitCode);
        return output.ToString();
    }

    private static List<List<(float Score, string Topic, string Text)>> Hits(string output)
    {
        var queries = new List<List<(float, string, string)>>();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("Query: ", StringComparison.Ordinal))
            {
                queries.Add([]);
            }
            else if (HitPattern().Match(line) is { Success: true } m)
            {
                queries[^1].Add((float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, m.Groups[3].Value.TrimEnd()));
            }
        }

        return queries;
    }

    private static List<(string Text, float Confidence, float Top, float Bottom, float Right)> Lines(string output)
    {
        var lines = output.Split('\n');
        var read = new List<(string, float, float, float, float)>();
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (LinePattern().Match(lines[i]) is { Success: true } text && BoxPattern().Match(lines[i + 1]) is { Success: true } box)
            {
                var corners = CornerPattern().Matches(box.Groups[2].Value).Select(static c => (X: float.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture), Y: float.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture))).ToArray();
                Assert.Equal(4, corners.Length);
                read.Add((text.Groups[1].Value, float.Parse(box.Groups[1].Value, CultureInfo.InvariantCulture), corners.Min(static c => c.Y), corners.Max(static c => c.Y), corners.Max(static c => c.X)));
            }
        }

        return read;
    }

    private static List<(double Start, double End)> Segments(string output) =>
        SegmentPattern().Matches(output).Select(static m => (Seconds(m.Groups[1].Value), Seconds(m.Groups[2].Value))).ToList();

    private static double Seconds(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s+\d+\.\s+(-?[\d.]+)\s+\[(\w+)\]\s+(.+)$")]
    private static partial Regex HitPattern();

    [GeneratedRegex("^\\s+\\d+\\. \"(.*)\"\\s*$")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"confidence ([\d.]+)\s+box ((?:\([\d.-]+,[\d.-]+\)\s?){4})")]
    private static partial Regex BoxPattern();

    [GeneratedRegex(@"\(([\d.-]+),([\d.-]+)\)")]
    private static partial Regex CornerPattern();

    [GeneratedRegex("^\\s+([\\d.]+) s –\\s+([\\d.]+) s  \"", RegexOptions.Multiline)]
    private static partial Regex TruthPattern();

    [GeneratedRegex(@"^\s+\d+\.\s+([\d.]+) s –\s+([\d.]+) s\s+\(", RegexOptions.Multiline)]
    private static partial Regex SegmentPattern();
}
