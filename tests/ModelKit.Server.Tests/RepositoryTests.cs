using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Server.Tests;

/// <summary>The repository layout, version policies, the index and explicit load/unload, including under traffic.</summary>
public sealed class RepositoryTests : IDisposable
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    public RepositoryTests()
    {
        _repository.Add("scale", 1, TestModels.Scale(1)).Add("scale", 2, TestModels.Scale(2)).Add("scale", 3, TestModels.Scale(3));
    }

    public void Dispose() => _repository.Dispose();

    [Theory]
    [InlineData(null, new[] { "3" })]
    [InlineData("""{"version_policy":{"latest":{"num_versions":2}}}""", new[] { "2", "3" })]
    [InlineData("""{"version_policy":{"all":{}}}""", new[] { "1", "2", "3" })]
    [InlineData("""{"version_policy":{"specific":{"versions":[1,3]}}}""", new[] { "1", "3" })]
    public async Task Version_policy_decides_which_versions_serve(string? config, string[] expected)
    {
        if (config is not null)
        {
            _repository.Config("scale", config);
        }

        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        var metadata = JsonSerializer.Deserialize((await Wire.GetAsync(host.Http, "/v2/models/scale")).Body, ProtocolJsonContext.Default.ModelMetadataResponse)!;
        Assert.Equal(expected, metadata.Versions);

        foreach (var version in new[] { "1", "2", "3" })
        {
            var answer = await InferScale(host, version, 1f);
            if (expected.Contains(version))
            {
                Assert.Equal(HttpStatusCode.OK, answer.Status);
                Assert.Equal(version, answer.Response!.ModelVersion);
                Assert.Equal(float.Parse(version, System.Globalization.CultureInfo.InvariantCulture), answer.Response.Outputs[0].Value.Buffer.AsSpan<float>()[0]);
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, answer.Status);
                Assert.Contains($"no version {version} loaded", answer.Error);
            }
        }

        // No version: the highest loaded one.
        var latest = await InferScale(host, null, 1f);
        Assert.Equal(expected[^1], latest.Response!.ModelVersion);
    }

    [Fact]
    public async Task Repository_models_load_reload_and_unload_through_the_registered_backend_providers()
    {
        var provider = new RecordingProvider();
        // First in line, so it is asked before the ONNX Runtime provider the server registers.
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root, services: s => s.Insert(0, ServiceDescriptor.Singleton<IInferenceBackendProvider>(provider)));

        var created = Assert.Single(provider.Created);
        Assert.Equal("scale", created.Model);
        Assert.Equal(Path.Combine(_repository.Root, "scale", "3", "model.onnx"), created.Path);
        Assert.Equal(3f, (await InferScale(host, null, 1f)).Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0]);

        Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/load", string.Empty)).Status);
        Assert.Equal(2, provider.Created.Count);
        Assert.Equal(3f, (await InferScale(host, null, 1f)).Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0]);
        Assert.Equal(1, provider.Disposed); // the replaced version, once idle

        Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/unload", string.Empty)).Status);
        Assert.Equal(2, provider.Disposed);
    }

    [Fact]
    public async Task A_processing_kind_no_provider_serves_leaves_the_model_unavailable_naming_the_kinds()
    {
        _repository.Config("scale", """{"processing":{"kind":"sonar","model":"model.onnx"}}""");
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        var answer = await InferScale(host, null, 1f);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Contains("processing kind is 'sonar'", answer.Error);
        Assert.Contains("text-embedding", answer.Error);
    }

    /// <summary>A backend provider that records what it creates and disposes; it runs the model on ONNX Runtime.</summary>
    private sealed class RecordingProvider : IInferenceBackendProvider
    {
        private readonly Onnx.OnnxRuntimeBackendProvider _onnx = new();
        private int _disposed;

        public ConcurrentQueue<(string Model, string? Path)> Created { get; } = new();

        public int Disposed => Volatile.Read(ref _disposed);

        public string Name => "recording";

        public bool CanCreate(ModelOptions options) => _onnx.CanCreate(options);

        public IInferenceBackend Create(string modelName, ModelOptions options, IServiceProvider services)
        {
            Created.Enqueue((modelName, options.Path));
            return new Recorded(_onnx.Create(modelName, options, services), this);
        }

        private sealed class Recorded(IInferenceBackend inner, RecordingProvider owner) : IInferenceBackend
        {
            public string ModelName => inner.ModelName;

            public ModelSignature Signature => inner.Signature;

            public string Description => "recording over " + inner.Description;

            public Binding.OperationRunner Bind(Binding.OperationDescriptor operation) => inner.Bind(operation);

            public void Dispose()
            {
                inner.Dispose();
                Interlocked.Increment(ref owner._disposed);
            }
        }
    }

    [Fact]
    public async Task A_policy_asking_for_a_missing_version_leaves_the_model_unavailable_and_the_server_not_ready()
    {
        _repository.Config("scale", """{"version_policy":{"specific":{"versions":[4]}}}""");
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Wire.GetAsync(host.Http, "/v2/health/ready")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.GetAsync(host.Http, "/v2/models/scale/ready")).Status);
        var answer = await InferScale(host, null, 1f);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Contains("asks for version(s) 4", answer.Error);
        var index = await Index(host, "{}");
        var entry = Assert.Single(index);
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains("asks for version(s) 4", entry.Reason);
    }

    [Fact]
    public async Task Config_options_reach_the_model_and_batching_serves_concurrent_calls()
    {
        _repository.Config("scale", """{"version_policy":{"latest":{"num_versions":1}},"options":{"IntraOpThreads":1,"WarmupRuns":2,"Batching":{"MaxBatchSize":8,"MaxQueueDelay":"00:00:00.002"}}}""");
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);

        var served = host.Server.Models.Acquire("scale", null);
        try
        {
            Assert.Contains("dynamic batching (max 8", served.Backend.Description);
        }
        finally
        {
            served.Release();
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => InferScale(host, null, i)));
        for (int i = 0; i < answers.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[i].Status);
            Assert.Equal([3f * i, 3f * i], answers[i].Response!.Outputs[0].Value.Buffer.AsSpan<float>().ToArray());
        }
    }

    [Fact]
    public async Task Index_load_and_unload_follow_the_repository_extension()
    {
        _repository.Add("other", 5, TestModels.TwoOutputs());
        Directory.CreateDirectory(Path.Combine(_repository.Root, "bad name!"));
        await using var host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.LoadRepositoryModelsAtStartup = false;
        });

        var index = await Index(host, string.Empty);
        Assert.Equal(["other", "scale"], index.Select(static e => e.Name));
        Assert.All(index, static e => Assert.Equal("UNAVAILABLE", e.State));
        Assert.Empty(await Index(host, """{"ready":true}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await InferScale(host, null, 1f)).Status);

        var load = await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/load", string.Empty);
        Assert.Equal(HttpStatusCode.OK, load.Status);
        Assert.Equal(HttpStatusCode.OK, (await InferScale(host, null, 2f)).Status);
        var ready = Assert.Single(await Index(host, """{"ready":true}"""));
        Assert.Equal(("scale", "3", "READY"), (ready.Name, ready.Version, ready.State));

        var unload = await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/unload", """{"parameters":{"unload_dependents":false}}""");
        Assert.Equal(HttpStatusCode.OK, unload.Status);
        var afterUnload = await InferScale(host, null, 1f);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, afterUnload.Status);
        Assert.Contains("unloaded", afterUnload.Error);

        Assert.Equal(HttpStatusCode.NotFound, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/nosuch/load", string.Empty)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/..%2F..%2Ftmp/load", string.Empty)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/load", "{not json")).Status);

        // A model folder added after start-up loads on request.
        _repository.Add("late", 1, TestModels.Scale(7));
        Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/late/load", string.Empty)).Status);
        var late = await Infer(host, "late", null, 1f);
        Assert.Equal(7f, late.Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0]);

        // A broken model keeps the previous versions serving on reload, and reports why.
        File.WriteAllBytes(Path.Combine(_repository.Root, "late", "1", "model.onnx"), [1, 2, 3]);
        var broken = await Wire.PostJsonAsync(host.Http, "/v2/repository/models/late/load", string.Empty);
        Assert.Equal(HttpStatusCode.BadRequest, broken.Status);
        Assert.Contains("could not be loaded", broken.Error);
        Assert.Equal(7f, (await Infer(host, "late", null, 1f)).Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0]);
    }

    [Fact]
    public async Task Unload_waits_for_requests_in_flight_before_disposing_the_session()
    {
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        var served = host.Server.Models.Acquire("scale", null);
        await host.Server.UnloadModelAsync("scale");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await InferScale(host, null, 1f)).Status);
        // The request that held the version still runs on its session.
        var call = served.Runner.Rent();
        try
        {
            call.SetInput(0, TensorValue.Create(new[] { 2f, 5f }, 1, 2));
            served.Runner.Run(call);
            Assert.Equal([6f, 15f], call.Outputs[0].Buffer.AsSpan<float>().ToArray());
        }
        finally
        {
            served.Runner.Return(call);
            served.Release();
        }

        Assert.Equal(0, served.InFlight);
        Assert.False(served.TryAcquire());
    }

    [Fact]
    public async Task Reloads_and_unloads_under_concurrent_traffic_lose_no_request()
    {
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        using var stop = new CancellationTokenSource();
        // Requests sent while the model is unloaded (or loading again after the unload) get 503; every other request succeeds.
        var failures = new ConcurrentBag<string>();
        int succeeded = 0;
        int unavailable = 0;
        // Every answer is signalled, so each step below waits for traffic to have run past it, not for time to pass.
        using var answered = new SemaphoreSlim(0);
        var clients = Enumerable.Range(0, 6).Select(c => Task.Run(async () =>
        {
            int i = 0;
            while (!stop.IsCancellationRequested)
            {
                float x = (c * 1000) + i++;
                var answer = await InferScale(host, null, x);
                if (answer.Status == HttpStatusCode.OK)
                {
                    float y = answer.Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0];
                    if (y != 3f * x && y != 4f * x)
                    {
                        failures.Add($"wrong answer {y} for {x}");
                    }

                    Interlocked.Increment(ref succeeded);
                }
                else if (answer.Status == HttpStatusCode.ServiceUnavailable
                    && (answer.Error!.Contains("(UNAVAILABLE: unloaded)", StringComparison.Ordinal) || answer.Error.Contains("(LOADING: loading)", StringComparison.Ordinal)))
                {
                    Interlocked.Increment(ref unavailable);
                }
                else
                {
                    failures.Add($"{answer.Status} {answer.Text}");
                }

                answered.Release();
            }
        })).ToArray();

        // Waits until n more requests were answered (with 6 clients, at least n - 6 of them were sent after this call).
        async Task TrafficAsync(int n)
        {
            while (answered.Wait(0))
            {
            }

            for (int k = 0; k < n; k++)
            {
                Assert.True(await answered.WaitAsync(TimeSpan.FromSeconds(30)), $"traffic stalled: {failures.Count} failure(s), {succeeded} succeeded");
            }
        }

        for (int round = 0; round < 4; round++)
        {
            await TrafficAsync(12);
            // Version 3 becomes y = 4x on disk; the reload swaps it in while requests run.
            if (round == 1)
            {
                File.WriteAllBytes(Path.Combine(_repository.Root, "scale", "3", "model.onnx"), TestModels.Scale(4));
            }

            Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/load", string.Empty)).Status);
        }

        await TrafficAsync(12);
        Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/unload", string.Empty)).Status);
        int unavailableBefore = Volatile.Read(ref unavailable);
        await TrafficAsync(12);
        Assert.True(Volatile.Read(ref unavailable) > unavailableBefore, "no request met the unloaded model");
        Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(host.Http, "/v2/repository/models/scale/load", string.Empty)).Status);
        await TrafficAsync(24);
        stop.Cancel();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(succeeded > 50, $"only {succeeded} requests succeeded");
        Assert.Equal(4f, (await InferScale(host, null, 1f)).Response!.Outputs[0].Value.Buffer.AsSpan<float>()[0]);
    }

    private static Task<RestAnswer> InferScale(TestHost host, string? version, float x) => Infer(host, "scale", version, x);

    private static Task<RestAnswer> Infer(TestHost host, string model, string? version, float x)
    {
        var request = new InferenceRequest();
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { x, x }, 1, 2)) { Binary = true });
        request.BinaryDataOutput = true;
        return Wire.InferAsync(host.Http, model, request, version);
    }

    private static async Task<List<RepositoryIndexEntry>> Index(TestHost host, string body)
    {
        var answer = await Wire.PostJsonAsync(host.Http, "/v2/repository/index", body);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return JsonSerializer.Deserialize(answer.Body, ProtocolJsonContext.Default.ListRepositoryIndexEntry)!;
    }
}
