using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Server;
using ModelKit.Testing;

namespace ModelKit.Remote.Tests;

/// <summary>What a remote caller sees when things go wrong: typed exceptions with the status and the server's own words.</summary>
public sealed class RemoteErrorTests(RemoteServerFixture fixture) : IClassFixture<RemoteServerFixture>
{
    private static TimeSpan? FullSlowRun;

    public static TheoryData<string> Protocols() => new(Clients.Protocols);

    [Theory]
    [MemberData(nameof(Protocols))]
    public void A_request_the_server_rejects_raises_a_typed_exception_with_its_text(string protocol)
    {
        // Metadata says x: FP32[-1]; ONNX Runtime can only reshape 6 elements to [2,3]. The client cannot know; the server says 400.
        var (services, backend) = Clients.Remote("reshape", fixture.Host.EndpointFor(protocol), protocol);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var ok = client.Run([new NamedTensor("x", TensorValue.Create(new float[] { 1, 2, 3, 4, 5, 6 }, 6))]);
            Assert.Equal([2L, 3L], ok[0].Value.Shape);

            var ex = Assert.ThrowsAny<RemoteInferenceException>(() => client.Run([new NamedTensor("x", TensorValue.Create(new float[] { 1, 2, 3, 4, 5 }, 5))]));
            Assert.IsNotType<RemoteEndpointUnreachableException>(ex);
            if (protocol == "grpc")
            {
                Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, ex.GrpcStatus);
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
            }

            Assert.False(string.IsNullOrWhiteSpace(ex.ServerError));
            Assert.Contains(ex.ServerError!, ex.Message, StringComparison.Ordinal);
            Assert.Contains("reshape", ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(fixture.Host.EndpointFor(protocol), ex.Message, StringComparison.Ordinal);
            Assert.Equal("reshape", ex.Model);
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Input_that_breaks_the_contract_is_rejected_before_anything_is_sent(string protocol)
    {
        var (services, backend) = Clients.Remote("identity_float", fixture.Host.EndpointFor(protocol), protocol);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var ex = Assert.Throws<TensorMismatchException>(() => client.Run([new NamedTensor("x", TensorValue.Create(new float[8], 2, 4))]));
            Assert.Contains("[-1,3]", ex.Message, StringComparison.Ordinal);
            Assert.Contains("[2,4]", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void An_unknown_model_or_version_is_a_typed_404_naming_it(string protocol)
    {
        var ex = Assert.ThrowsAny<RemoteInferenceException>(() => Clients.Remote("no_such_model", fixture.Host.EndpointFor(protocol), protocol));
        Assert.Contains("no_such_model", ex.Message, StringComparison.Ordinal);
        if (protocol == "grpc")
        {
            Assert.Equal(Grpc.Core.StatusCode.NotFound, ex.GrpcStatus);
        }
        else
        {
            Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        }

        var version = Assert.ThrowsAny<RemoteInferenceException>(() => Clients.Remote("nonzero", fixture.Host.EndpointFor(protocol), protocol, o => o.Version = "7"));
        Assert.Contains("7", version.ServerError, StringComparison.Ordinal);

        // RemoteName maps the app's model name to another name on the server.
        var (services, backend) = Clients.Remote("zeros", fixture.Host.EndpointFor(protocol), protocol, o => o.RemoteName = "nonzero");
        using (services)
        {
            Assert.Equal("zeros", backend.ModelName);
            using var client = new DynamicModelClient(backend);
            Assert.Equal([1L, 2L], client.Run([new NamedTensor("x", TensorValue.Create(new float[] { 1, 0, 2 }, 3))])[0].Value.Shape);
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task A_server_that_is_down_is_a_typed_unreachable_exception(string protocol)
    {
        string endpoint = $"http://127.0.0.1:{FreePort()}";
        var stopwatch = Stopwatch.StartNew();
        var ex = Assert.Throws<RemoteEndpointUnreachableException>(() => Clients.Remote("mnist", endpoint, protocol));
        Assert.Contains(endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.StatusCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"took {stopwatch.Elapsed}");

        // Down after the backend was created: the call fails the same way.
        await using var server = await TestHost.StartAsync(o => o.RepositoryPath = fixture.RepositoryRoot);
        var (services, backend) = Clients.Remote("identity_int32", server.EndpointFor(protocol), protocol);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var input = TestModels.Sample(TensorElementType.Int32);
            TestModels.AssertSame(input, (await client.RunAsync([new NamedTensor("x", input)]))[0].Value, "before the server stops");
            await server.DisposeAsync();
            var down = await Assert.ThrowsAsync<RemoteEndpointUnreachableException>(async () => await client.RunAsync([new NamedTensor("x", input)]));
            Assert.Contains(server.EndpointFor(protocol), down.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Fallback_runs_locally_when_the_endpoint_is_unreachable_and_says_so(string protocol)
    {
        string name = "identity_double";
        string localFile = fixture.ModelFile(name);
        var input = TestModels.Sample(TensorElementType.Double);
        using var fallbacks = new MetricCollector<long>(null, RemoteMetrics.MeterName, "modelkit.remote.fallbacks");

        // Endpoint up: the fallback is never loaded.
        var (upServices, up) = Clients.Remote(name, fixture.Host.EndpointFor(protocol), protocol, o => o.Fallback = new FallbackOptions { Path = localFile });
        using (upServices)
        {
            using var client = new DynamicModelClient(up);
            TestModels.AssertSame(input, client.Run([new NamedTensor("x", input)])[0].Value, "remote");
            Assert.Null(((RemoteBackend)up).FallbackBackend);
        }

        // Endpoint down from the start: the signature and the answers come from the local model.
        string endpoint = $"http://127.0.0.1:{FreePort()}";
        var logs = new LogCapture();
        var (downServices, down) = Clients.Remote(name, endpoint, protocol, o => o.Fallback = new FallbackOptions { Path = localFile }, logs);
        using (downServices)
        {
            var remote = Assert.IsType<RemoteBackend>(down);
            Assert.False(remote.SignatureFromServer);
            Assert.NotNull(remote.FallbackBackend);
            Assert.StartsWith("onnxruntime", remote.FallbackBackend!.Description);
            using var client = new DynamicModelClient(down);
            for (int i = 0; i < 3; i++)
            {
                TestModels.AssertSame(input, (await client.RunAsync([new NamedTensor("x", input)]))[0].Value, "fallback");
            }
        }

        // Said once in the logs (a warning naming the endpoint and the local file), counted for every call:
        var warning = Assert.Single(logs.Entries, static e => e.Category == "ModelKit.Remote" && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(2002, warning.Event.Id);
        Assert.Contains(endpoint, warning.Message, StringComparison.Ordinal);
        Assert.Contains(localFile, warning.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, static e => e.Event.Id == 2004);

        // 1 at creation (signature) + 3 calls, all tagged with why.
        var counted = fallbacks.Tagged("model", name);
        Assert.True(counted.Sum() >= 4, $"fallback counter: {counted.Sum()}");
        Assert.All(counted, m => Assert.Contains((string)m.Tags["reason"]!, new[] { "unreachable", "circuit_open" }));
    }

    [SkippableFact]
    public async Task Fallback_takes_over_when_the_server_goes_away_mid_life()
    {
        string mnist = SharedData.Require("models/mnist.onnx");
        await using var server = await TestHost.StartAsync(models: kit => kit.AddModel("mnist", o => o.Path = mnist));
        using var fallbacks = new MetricCollector<long>(null, RemoteMetrics.MeterName, "modelkit.remote.fallbacks");
        using var services = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Endpoint"] = server.EndpointFor("rest-binary"),
            ["ModelKit:Models:mnist:Fallback:Path"] = mnist,
        }, kit => kit.AddModel<IDigitClassifier>());
        var classifier = services.GetRequiredService<IDigitClassifier>();
        var image = TestModels.Image(3);
        var before = classifier.Predict(image).Logits;
        var backend = (RemoteBackend)services.GetRequiredService<ModelRegistry>().GetBackend("mnist");
        Assert.True(backend.SignatureFromServer);
        Assert.Null(backend.FallbackBackend);

        await server.DisposeAsync();
        var after = classifier.Predict(image).Logits;
        Assert.Equal(before, after);
        Assert.NotNull(backend.FallbackBackend);
        Assert.Equal(1, fallbacks.Tagged("model", "mnist").Sum());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Cancellation_reaches_the_wire_and_stops_the_run_on_the_server(string protocol)
    {
        using var failures = new MetricCollector<long>(fixture.Host.Services.GetRequiredService<IMeterFactory>(), "ModelKit.Server", "modelkit.server.failures");
        using var services = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:slow:Endpoint"] = fixture.Host.EndpointFor(protocol),
            ["ModelKit:Models:slow:Protocol"] = protocol,
        }, kit => kit.AddModel<ISlow>());
        var slow = services.GetRequiredService<ISlow>();
        var x = new float[256 * 1024];
        x[5] = 2.5f;

        // Uncanceled, the run takes seconds (measured once, over the first protocol).
        if (FullSlowRun is null)
        {
            var full = Stopwatch.StartNew();
            var y = await slow.RunAsync(x, CancellationToken.None);
            FullSlowRun = full.Elapsed;
            Assert.Equal(2.5f, y[5]);
        }

        var fullRun = FullSlowRun.Value;

        // Cancel once the server's run of this very call has started (its span carries this test's trace id under the
        // server's span), not after a fixed delay that may fire before the request reaches the server.
        using var cts = new CancellationTokenSource();
        var serverRunStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var parent = new Activity("cancellation-test").SetIdFormat(ActivityIdFormat.W3C);
        using var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name.StartsWith("ModelKit", StringComparison.Ordinal),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                if (activity.TraceId == parent.TraceId && activity.OperationName == "run slow" && HasServerAncestor(activity))
                {
                    serverRunStarted.TrySetResult();
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        parent.Start();
        var call = Task.Run(async () => await slow.RunAsync(x, cts.Token));
        parent.Stop();
        await serverRunStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(call.IsCompleted, "the slow run ended before it could be canceled");

        var canceled = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        canceled.Stop();
        Assert.True(canceled.Elapsed < fullRun / 2,
            $"answered {canceled.Elapsed.TotalMilliseconds:F0} ms after the cancellation; a full run takes {fullRun.TotalMilliseconds:F0} ms");

        // The server saw the request aborted and gave up on it (ONNX Runtime's run terminated, recorded as "canceled", or
        // "client_aborted" when the abort reached it while reading or writing).
        await failures.WaitUntilAsync(
            static m => m.Any(static x => Equals(x.Tags["model"], "slow") && x.Tags["reason"] is "canceled" or "client_aborted"),
            "the server to record the slow run as canceled");
    }

    private static bool HasServerAncestor(Activity activity)
    {
        for (var ancestor = activity.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ancestor.Kind == ActivityKind.Server)
            {
                return true;
            }
        }

        return false;
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task A_call_past_its_timeout_is_a_typed_timeout(string protocol)
    {
        var (services, backend) = Clients.Remote("slow", fixture.Host.EndpointFor(protocol), protocol, o => o.Timeout = TimeSpan.FromMilliseconds(300));
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var stopwatch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RemoteInferenceException>(async () => await client.RunAsync([new NamedTensor("x", TensorValue.Create(new float[256 * 1024], 256, 1024))]));
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
            Assert.True(ex.Message.Contains("timed out", StringComparison.Ordinal) || ex.Message.Contains("deadline", StringComparison.Ordinal), ex.Message);
            if (protocol == "grpc")
            {
                Assert.Equal(Grpc.Core.StatusCode.DeadlineExceeded, ex.GrpcStatus);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>API keys: none or a wrong one is a typed 401 (gRPC Unauthenticated); the right one works, over each protocol.</summary>
public sealed class RemoteAuthTests : IAsyncLifetime
{
    private const string Key = "remote-test-key-1234";
    private readonly TempRepository _repository = new();
    private TestHost _host = null!;

    public static TheoryData<string> Protocols() => new(Clients.Protocols);

    public async Task InitializeAsync()
    {
        _repository.Add("identity_float", 1, TestModels.Identity(OnnxFormat.OnnxDataType.Float));
        _host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.ApiKeys.Add(Key);
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Missing_and_wrong_keys_are_typed_401s_and_the_right_key_works(string protocol)
    {
        foreach (var key in new string?[] { null, "wrong-key-0000000000" })
        {
            var ex = Assert.ThrowsAny<RemoteInferenceException>(() => Clients.Remote("identity_float", _host.EndpointFor(protocol), protocol, o => o.ApiKey = key));
            Assert.IsNotType<RemoteEndpointUnreachableException>(ex);
            if (protocol == "grpc")
            {
                Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, ex.GrpcStatus);
            }
            else
            {
                Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
            }

            Assert.Contains("API key", ex.ServerError, StringComparison.OrdinalIgnoreCase);
        }

        var (services, backend) = Clients.Remote("identity_float", _host.EndpointFor(protocol), protocol, o => o.ApiKey = Key);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var input = TestModels.Sample(TensorElementType.Float);
            TestModels.AssertSame(input, client.Run([new NamedTensor("x", input)])[0].Value, "with the key");
        }
    }
}
