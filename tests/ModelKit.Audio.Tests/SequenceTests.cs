using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelKit.Audio.Vad;
using ModelKit.Onnx;
using ModelKit.Protocol.Grpc;
using ModelKit.Remote;
using ModelKit.Server;
using ModelKit.Testing;

namespace ModelKit.Audio.Tests;

/// <summary>
/// Silero VAD v5 served as a stateful sequence model by a real ModelKit server on loopback (REST and gRPC), driven by the remote
/// client's <see cref="RemoteSequence"/>: the server keeps each sequence's <c>state</c>, stacks concurrent sequences' frames into
/// one run, expires idle sequences, caps live ones, and answers lost state with a clear error.
/// </summary>
public sealed class SequenceTests(SequenceFixture fixture, ITestOutputHelper output) : IClassFixture<SequenceFixture>
{
    private const int Sequences = 32;
    private const int Frames = 40;

    public static TheoryData<string> Protocols() => new() { "rest-binary", "grpc" };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Concurrent_sequences_give_each_sequence_its_local_probabilities_and_share_runs(string protocol)
    {
        var audio = Enumerable.Range(0, Sequences).Select(static s => Synth.Audio(seed: s, frames: Frames)).ToArray();
        var local = audio.Select(a => LocalProbabilities(a, keepState: true)).ToArray();
        using var batches = new MetricCollector<int>(null, ModelKitMetrics.MeterName, "modelkit.batch.size");
        using var closed = fixture.Collect("modelkit.server.sequences.closed");
        var (services, backend) = fixture.Client(SequenceFixture.Vad, protocol);
        using (services)
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var remote = await Task.WhenAll(audio.Select(a => Task.Run(async () =>
            {
                await using var sequence = backend.StartSequence();
                var probabilities = new float[Frames];
                var input = new float[SileroVad.InputSamples];
                for (int f = 0; f < Frames; f++)
                {
                    a.AsSpan(f * SileroVad.FrameSamples, SileroVad.FrameSamples).CopyTo(input.AsSpan(SileroVad.ContextSamples));
                    var outputs = await sequence.RunAsync([new NamedTensor("input", TensorValue.Create(input, 1, SileroVad.InputSamples))]);
                    probabilities[f] = Assert.Single(outputs, static o => o.Name == "output").Value.Buffer.AsSpan<float>()[0];
                    input.AsSpan(SileroVad.InputSamples - SileroVad.ContextSamples).CopyTo(input);
                }

                return probabilities;
            })));

            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            output.WriteLine($"{protocol}: {Sequences} sequences x {Frames} frames in {elapsed.TotalMilliseconds:0} ms ({Sequences * Frames / elapsed.TotalSeconds:0} frames/s, 32 ms of audio each)");
            double worst = 0;
            for (int s = 0; s < Sequences; s++)
            {
                for (int f = 0; f < Frames; f++)
                {
                    worst = Math.Max(worst, Math.Abs(remote[s][f] - local[s][f]));
                }
            }

            output.WriteLine($"{protocol}: largest difference from local {worst:E2}");
            Assert.True(worst <= 1e-5, $"Remote sequence probabilities differ from local ones by {worst:E2} (> 1e-5).");

            // The state matters: the same frames without the carried state give other probabilities, so equality above is
            // the server carrying each sequence's own state, not a stateless model.
            var stateless = LocalProbabilities(audio[0], keepState: false);
            Assert.Contains(Enumerable.Range(0, Frames), f => Math.Abs(stateless[f] - local[0][f]) > 1e-3);

            var sizes = batches.Tagged("model", SequenceFixture.Vad).Select(static m => m.Value).ToList();
            output.WriteLine($"runs: {sizes.Count}, largest {sizes.DefaultIfEmpty().Max()}, mean {sizes.DefaultIfEmpty().Average():0.0}");
            Assert.Contains(sizes, static size => size > 1);
            Assert.Equal(Sequences * Frames, sizes.Sum());

            // Disposing each sequence sent an end-only request: every sequence closed as ended.
            await closed.WaitUntilAsync(m => m.Count(x => Tag(x, "outcome") == "ended" && Tag(x, "model") == SequenceFixture.Vad) >= Sequences, "32 ended sequences");
        }
    }

    [Fact]
    public async Task Remote_voice_activity_gives_the_local_probabilities()
    {
        var audio = Synth.Audio(seed: 7, frames: 60);
        var chunks = Synth.Chunks(audio, seed: 3);
        float[] expected = await fixture.Vad_.Detector.ProbabilitiesAsync(chunks, 16_000);
        var (services, backend) = fixture.Client(SequenceFixture.Vad, "grpc");
        using (services)
        {
            var detector = VoiceActivityDetector.ForSequences((ISequenceBackend)backend);
            float[] actual = await detector.ProbabilitiesAsync(Synth.Chunks(audio, seed: 3), 16_000);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"frame {i}: local {expected[i]}, remote {actual[i]}");
            }
        }
    }

    /// <summary>
    /// Requests shaped as Triton's own Python clients send them (tritonclient/http/_utils.py and tritonclient/grpc/_utils.py,
    /// <c>_get_inference_request</c>): every request carries all three parameters, <c>sequence_start</c>/<c>sequence_end</c> as
    /// explicit booleans (false on the middle requests); gRPC puts the id in <c>int64_param</c> and the flags in <c>bool_param</c>.
    /// </summary>
    [Fact]
    public async Task Requests_shaped_as_Tritons_clients_send_them_run_a_sequence()
    {
        var audio = Synth.Audio(seed: 11, frames: 3);
        var expected = LocalProbabilities(audio, keepState: true);
        var input = new float[SileroVad.InputSamples];
        for (int f = 0; f < 3; f++)
        {
            audio.AsSpan(f * SileroVad.FrameSamples, SileroVad.FrameSamples).CopyTo(input.AsSpan(SileroVad.ContextSamples));
            // REST (tritonclient.http): {"parameters": {"sequence_id": N, "sequence_start": b, "sequence_end": b}, "inputs": [...], "outputs": [...]}
            string json = JsonSerializer.Serialize(new
            {
                parameters = new Dictionary<string, object> { ["sequence_id"] = 1001, ["sequence_start"] = f == 0, ["sequence_end"] = f == 2 },
                inputs = new[] { new { name = "input", shape = new[] { 1, SileroVad.InputSamples }, datatype = "FP32", data = input } },
                outputs = new[] { new { name = "output", parameters = new Dictionary<string, object> { ["binary_data"] = false } } },
            });
            using var response = await fixture.Host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", new StringContent(json, Encoding.UTF8, "application/json"));
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            float rest = JsonDocument.Parse(body).RootElement.GetProperty("outputs")[0].GetProperty("data")[0].GetSingle();

            // gRPC (tritonclient.grpc), a second sequence fed the same frames.
            var request = new ModelInferRequest { ModelName = SequenceFixture.Vad };
            request.Parameters["sequence_id"] = new InferParameter { Int64Param = 1002 };
            request.Parameters["sequence_start"] = new InferParameter { BoolParam = f == 0 };
            request.Parameters["sequence_end"] = new InferParameter { BoolParam = f == 2 };
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
            tensor.Shape.AddRange([1, SileroVad.InputSamples]);
            request.Inputs.Add(tensor);
            request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan())));
            var answer = await fixture.Host.Grpc.ModelInferAsync(request);
            float grpc = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(answer.RawOutputContents[answer.Outputs.ToList().FindIndex(static o => o.Name == "output")].Span)[0];

            Assert.True(Math.Abs(rest - expected[f]) <= 1e-5, $"frame {f}: REST {rest}, local {expected[f]}");
            Assert.True(Math.Abs(grpc - expected[f]) <= 1e-5, $"frame {f}: gRPC {grpc}, local {expected[f]}");
            input.AsSpan(SileroVad.InputSamples - SileroVad.ContextSamples).CopyTo(input);
        }

        // sequence_end freed it: a fourth request without a start is refused, naming why.
        using var after = await fixture.Host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", Json(sequenceId: 1001, start: false));
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        Assert.Contains("ended (sequence_end)", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_or_missing_sequence_ids_are_400_with_a_clear_error()
    {
        // REST: a sequence that was never started.
        using var response = await fixture.Host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", Json(sequenceId: 987_654_321, start: false));
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Sequence 987654321", body, StringComparison.Ordinal);
        Assert.Contains("is not open", body, StringComparison.Ordinal);
        Assert.Contains("sequence_start", body, StringComparison.Ordinal);

        // REST: no sequence_id at all.
        using var missing = await fixture.Host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", Json(sequenceId: null, start: true));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("sequence_id", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // gRPC: a string id never started.
        var request = new ModelInferRequest { ModelName = SequenceFixture.Vad };
        request.Parameters["sequence_id"] = new InferParameter { StringParam = "never-started" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32" };
        tensor.Shape.AddRange([1, SileroVad.InputSamples]);
        tensor.Contents = new InferTensorContents();
        tensor.Contents.Fp32Contents.AddRange(new float[SileroVad.InputSamples]);
        request.Inputs.Add(tensor);
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Host.Grpc.ModelInferAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Sequence \"never-started\"", error.Status.Detail, StringComparison.Ordinal);

        // The state inputs are the server's: a client that sends one is told what the model takes.
        using var state = await fixture.Host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", new StringContent(
            """{"parameters":{"sequence_id":5,"sequence_start":true},"inputs":[{"name":"state","datatype":"FP32","shape":[2,1,128],"data":[0]}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, state.StatusCode);
        Assert.Contains("has no input 'state'", await state.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_sequence_expires_and_then_gets_400()
    {
        using var closed = fixture.Collect("modelkit.server.sequences.closed");
        var (services, backend) = fixture.Client(SequenceFixture.Expiring, "rest-binary");
        using (services)
        {
            await using var sequence = backend.StartSequence();
            await RunFrameAsync(sequence);
            await closed.WaitUntilAsync(m => m.Any(x => Tag(x, "model") == SequenceFixture.Expiring && Tag(x, "outcome") == "expired"), "the idle sequence to expire");
            var error = await Assert.ThrowsAsync<RemoteInferenceException>(() => RunFrameAsync(sequence));
            Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
            Assert.Contains("expired after 0.2 s without requests", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Live_sequences_past_the_cap_get_503_until_one_ends()
    {
        var (services, backend) = fixture.Client(SequenceFixture.Capped, "grpc");
        using (services)
        {
            var first = backend.StartSequence();
            await using var second = backend.StartSequence();
            await RunFrameAsync(first);
            await RunFrameAsync(second);
            await using var third = backend.StartSequence();
            var error = await Assert.ThrowsAsync<RemoteServiceUnavailableException>(() => RunFrameAsync(third));
            Assert.Equal(StatusCode.Unavailable, error.GrpcStatus);
            Assert.Contains("max_sequences = 2", error.Message, StringComparison.Ordinal);

            await first.DisposeAsync(); // ends it: its slot frees at once
            await RunFrameAsync(third);
        }
    }

    [Fact]
    public async Task A_restarted_server_or_reloaded_model_answers_lost_sequences_with_a_clear_error()
    {
        var (services, backend) = fixture.Client(SequenceFixture.Vad, "rest-binary");
        using (services)
        {
            await using var sequence = backend.StartSequence(424_242);
            await RunFrameAsync(sequence);

            // Reloading the model drops its sequences' state: the next chunk is refused, never answered from zero state.
            await fixture.Host.Server.LoadModelAsync(SequenceFixture.Vad);
            var error = await Assert.ThrowsAsync<RemoteInferenceException>(() => RunFrameAsync(sequence));
            Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
            Assert.Contains("Sequence 424242", error.Message, StringComparison.Ordinal);
            Assert.Contains("restarted", error.Message, StringComparison.Ordinal);
        }

        // A new server process over the same repository knows nothing of the old one's sequences.
        await using var restarted = await TestHost.StartAsync(o => o.RepositoryPath = fixture.Repository.Root);
        using var response = await restarted.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", Json(sequenceId: 424_242, start: false));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("lost when the server or the model restarted", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_ends_open_sequences()
    {
        var host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = fixture.Repository.Root;
            o.DrainTimeout = TimeSpan.FromSeconds(5);
        });
        await using (host)
        {
            using var closed = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), ServerMetrics.MeterName, "modelkit.server.sequences.closed");
            using var response = await host.Http.PostAsync($"v2/models/{SequenceFixture.Vad}/infer", Json(sequenceId: 77, start: true));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await host.DisposeAsync();
            Assert.Contains(closed.GetMeasurementSnapshot(), m => Tag(m, "outcome") == "shutdown" && Tag(m, "model") == SequenceFixture.Vad);
        }
    }

    [Fact]
    public void A_sequence_configuration_that_does_not_fit_the_model_fails_its_load_by_name()
    {
        var entry = Assert.Single(fixture.Host.Server.GetRepositoryIndex(readyOnly: false), static e => e.Name == SequenceFixture.Misconfigured);
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains("input_name 'h'", entry.Reason, StringComparison.Ordinal);
    }

    private static async Task RunFrameAsync(IModelSequence sequence) =>
        await sequence.RunAsync([new NamedTensor("input", TensorValue.Create(new float[SileroVad.InputSamples], 1, SileroVad.InputSamples))]);

    private float[] LocalProbabilities(float[] audio, bool keepState)
    {
        var vad = new SileroVad(fixture.Vad_.Model);
        var result = new float[audio.Length / SileroVad.FrameSamples];
        for (int f = 0; f < result.Length; f++)
        {
            if (!keepState)
            {
                var fresh = new SileroVad(fixture.Vad_.Model);
                if (f > 0)
                {
                    fresh.Process(audio.AsSpan((f - 1) * SileroVad.FrameSamples, SileroVad.FrameSamples)); // same context, no history
                }

                vad = fresh;
            }

            result[f] = vad.Process(audio.AsSpan(f * SileroVad.FrameSamples, SileroVad.FrameSamples));
        }

        return result;
    }

    private static string? Tag<T>(CollectedMeasurement<T> measurement, string key)
        where T : struct => measurement.Tags.TryGetValue(key, out var value) ? value as string : null;

    private static StringContent Json(long? sequenceId, bool start)
    {
        var parameters = new Dictionary<string, object>();
        if (sequenceId is { } id)
        {
            parameters["sequence_id"] = id;
        }

        if (start)
        {
            parameters["sequence_start"] = true;
        }

        string json = JsonSerializer.Serialize(new
        {
            parameters,
            inputs = new[] { new { name = "input", datatype = "FP32", shape = new[] { 1, SileroVad.InputSamples }, data = new float[SileroVad.InputSamples] } },
        });
        return new StringContent(json, Encoding.UTF8, "application/json");
    }
}

/// <summary>
/// A model repository written as <c>modelkit pull silero-vad</c> writes it (<see cref="SileroVadModels.WriteServableAsync"/>), with
/// variants of the sequence limits, served by one real server on loopback.
/// </summary>
public sealed class SequenceFixture : IAsyncLifetime
{
    public const string Vad = "silero-vad";
    public const string Expiring = "vad-expiring";
    public const string Capped = "vad-capped";
    public const string Misconfigured = "vad-misconfigured";

    public TempRepository Repository { get; } = new();

    public TestHost Host { get; private set; } = null!;

    /// <summary>The local model (the reference).</summary>
    public VadFixture Vad_ { get; } = new();

    public async Task InitializeAsync()
    {
        await Vad_.InitializeAsync();
        await SileroVadModels.WriteServableAsync(Repository.Root, Vad, SileroVadModels.ServableConfigJson(maxSequences: 256));
        await SileroVadModels.WriteServableAsync(Repository.Root, Expiring, SileroVadModels.ServableConfigJson(maxSequenceIdleMicroseconds: 200_000));
        await SileroVadModels.WriteServableAsync(Repository.Root, Capped, SileroVadModels.ServableConfigJson(maxSequences: 2));
        await SileroVadModels.WriteServableAsync(Repository.Root, Misconfigured, SileroVadModels.ServableConfigJson().Replace("\"input_name\": \"state\"", "\"input_name\": \"h\"", StringComparison.Ordinal));
        Host = await TestHost.StartAsync(o => o.RepositoryPath = Repository.Root);
    }

    /// <summary>A collector of one of the server's instruments.</summary>
    public MetricCollector<long> Collect(string instrument) =>
        new(Host.Services.GetRequiredService<IMeterFactory>(), ServerMetrics.MeterName, instrument);

    /// <summary>A client container and the remote backend of <paramref name="model"/> (the path an app takes).</summary>
    public (ServiceProvider Services, RemoteBackend Backend) Client(string model, string protocol)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddModelKit(kit => kit.AddRemote().AddOnnxRuntime().AddModel(model, o =>
        {
            o.Endpoint = Host.EndpointFor(protocol);
            o.Protocol = protocol;
            o.Timeout = TimeSpan.FromSeconds(30);
        }));
        var provider = services.BuildServiceProvider();
        return (provider, (RemoteBackend)provider.GetRequiredService<ModelRegistry>().GetBackend(model));
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        await Vad_.DisposeAsync();
        Repository.Dispose();
    }
}

/// <summary>Deterministic test audio: tones, chirps and noise bursts at 16 kHz that move Silero's probabilities around.</summary>
internal static class Synth
{
    public static float[] Audio(int seed, int frames)
    {
        var random = new Random(seed);
        var audio = new float[frames * SileroVad.FrameSamples];
        double phase = 0;
        for (int i = 0; i < audio.Length; i++)
        {
            double t = i / 16_000.0;
            // A voiced-like buzz (pitch ~ 100–250 Hz with harmonics) that switches on and off, over light noise.
            double pitch = 100 + (seed * 5 % 150) + (30 * Math.Sin(2 * Math.PI * 3 * t));
            phase += 2 * Math.PI * pitch / 16_000.0;
            bool on = ((i / 4000) + seed) % 3 != 0;
            double buzz = on ? (0.3 * Math.Sin(phase)) + (0.15 * Math.Sin(2 * phase)) + (0.08 * Math.Sin(3 * phase)) : 0;
            audio[i] = (float)(buzz + (0.02 * ((random.NextDouble() * 2) - 1)));
        }

        return audio;
    }

    public static async IAsyncEnumerable<ReadOnlyMemory<float>> Chunks(float[] audio, int seed)
    {
        var random = new Random(seed);
        for (int at = 0; at < audio.Length;)
        {
            int n = Math.Min(audio.Length - at, random.Next(100, 2000));
            yield return audio.AsMemory(at, n);
            at += n;
            await Task.Yield();
        }
    }
}
