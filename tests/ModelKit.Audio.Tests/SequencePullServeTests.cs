using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Audio.Vad;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Testing;

namespace ModelKit.Audio.Tests;

/// <summary>The commands a user types: <c>modelkit pull silero-vad &lt;repo&gt;</c>, then <c>modelkit serve &lt;repo&gt;</c>, as real processes.</summary>
public sealed class SequencePullServeTests(VadFixture fixture) : IClassFixture<VadFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Pull_silero_vad_then_serve_keeps_each_streams_state_on_the_server()
    {
        using var repository = new TempRepository();
        var (pulled, pullOutput) = await ServeProcess.RunAsync(["pull", "silero-vad", repository.Root], Timeout);
        Assert.True(pulled == 0, pullOutput);
        Assert.True(File.Exists(Path.Combine(repository.Root, "silero-vad", "1", "model.onnx")), pullOutput);
        using (var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(repository.Root, "silero-vad", "config.json"))))
        {
            var state = config.RootElement.GetProperty("sequence_batching").GetProperty("state")[0];
            Assert.Equal("stateN", state.GetProperty("output_name").GetString());
            Assert.Equal(1, state.GetProperty("batch_axis").GetInt32());
        }

        int port = ServeProcess.FreePort();
        using var serve = ServeProcess.Start(["serve", repository.Root, "--port", port.ToString(CultureInfo.InvariantCulture), "--grpc-port", "0"]);
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) })
        {
            await serve.WaitForOkAsync(http, "v2/models/silero-vad/ready", Timeout);

            // Warm-up ran as a one-request sequence from the pulled model_warmup (zero state, sr fixed), and nothing failed.
            Assert.Contains("Model 'silero-vad' warmed up: 1 run(s) of model_warmup", serve.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("warm-up failed", serve.Output, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("fail:", serve.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("warn:", serve.Output, StringComparison.Ordinal);

            // The configuration extension reports the sequence batcher in Triton's shape (as tritonclient's get_model_config reads it).
            using var config = JsonDocument.Parse(await http.GetStringAsync("v2/models/silero-vad/config"));
            var sequences = config.RootElement.GetProperty("sequence_batching");
            Assert.Equal(30_000_000, sequences.GetProperty("max_sequence_idle_microseconds").GetInt64());
            Assert.Equal("stateN", sequences.GetProperty("state")[0].GetProperty("output_name").GetString());
            Assert.Equal(64, config.RootElement.GetProperty("max_batch_size").GetInt32());
            Assert.Equal(500, sequences.GetProperty("oldest").GetProperty("max_queue_delay_microseconds").GetInt64());
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddModelKit(kit => kit.AddRemote().AddOnnxRuntime().AddModel(SileroVadModels.ModelName, o =>
        {
            o.Endpoint = $"http://127.0.0.1:{port}";
            o.Protocol = "rest-binary";
        }));
        using var provider = services.BuildServiceProvider();
        var backend = (ISequenceBackend)provider.GetRequiredService<ModelRegistry>().GetBackend(SileroVadModels.ModelName);
        var audio = Synth.Audio(seed: 5, frames: 30);
        float[] expected = await fixture.Detector.ProbabilitiesAsync(Synth.Chunks(audio, seed: 1), 16_000);
        float[] actual = await VoiceActivityDetector.ForSequences(backend).ProbabilitiesAsync(Synth.Chunks(audio, seed: 1), 16_000);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"frame {i}: local {expected[i]}, served {actual[i]}");
        }
    }
}
