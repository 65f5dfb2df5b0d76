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
    [Fact]
    public async Task Pull_silero_vad_then_serve_keeps_each_streams_state_on_the_server()
    {
        using var server = await PulledServer.StartAsync("silero-vad", Path.Combine("silero-vad", "1", "model.onnx"));
        using (var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(server.Repository, "silero-vad", "config.json"))))
        {
            var state = config.RootElement.GetProperty("sequence_batching").GetProperty("state")[0];
            Assert.Equal("stateN", state.GetProperty("output_name").GetString());
            Assert.Equal(1, state.GetProperty("batch_axis").GetInt32());
        }

        // Warm-up ran as a one-request sequence from the pulled model_warmup (zero state, sr fixed), and nothing failed.
        string output = server.Process.Output;
        Assert.Contains("Model 'silero-vad' warmed up: 1 run(s) of model_warmup", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warm-up failed", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", output, StringComparison.Ordinal);

        // The configuration extension reports the sequence batcher in Triton's shape (as tritonclient's get_model_config reads it).
        using (var config = JsonDocument.Parse(await server.Http.GetStringAsync("v2/models/silero-vad/config")))
        {
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
            o.Endpoint = server.Endpoint;
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
