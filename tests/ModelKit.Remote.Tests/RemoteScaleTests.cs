using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelKit.Binding;
using ModelKit.Remote.Tests.Conformance;

namespace ModelKit.Remote.Tests;

/// <summary>Client at scale: Retry-After, several endpoints (round-robin, least-outstanding, skipping failed ones), validation.</summary>
public sealed class RemoteScaleTests
{
    private static readonly NamedTensor[] AddInputs =
        [new("input-0", TensorValue.Create(new[] { 1f, 2f, 3f, 4f }, 1, 4)), new("input-1", TensorValue.Create(new[] { 10f, 20f, 30f, 40f }, 1, 4))];

    private static void AssertAddAnswer(IReadOnlyList<NamedTensor> outputs) =>
        Assert.Equal(new[] { 11f, 22f, 33f, 44f }, Assert.Single(outputs).Value.Buffer.AsSpan<float>().ToArray());

    [Fact]
    public void Retry_after_is_read_as_seconds_or_a_date_and_bounded()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var max = TimeSpan.FromSeconds(5);
        using var seconds = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), RemoteBackendProvider.RetryAfterDelay(seconds, max, now));
        Assert.Equal(TimeSpan.FromSeconds(1), RemoteBackendProvider.RetryAfterDelay(seconds, TimeSpan.FromSeconds(1), now)); // bounded
        Assert.Null(RemoteBackendProvider.RetryAfterDelay(seconds, TimeSpan.Zero, now)); // header ignored: backoff

        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(3).ToString("R"));
        Assert.Equal(TimeSpan.FromSeconds(3), RemoteBackendProvider.RetryAfterDelay(date, max, now));
        Assert.Equal(TimeSpan.Zero, RemoteBackendProvider.RetryAfterDelay(date, max, now.AddMinutes(1))); // a date in the past
        Assert.Equal(max, RemoteBackendProvider.RetryAfterDelay(date, max, now.AddHours(-1)));

        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.Null(RemoteBackendProvider.RetryAfterDelay(none, max, now));
        Assert.Null(RemoteBackendProvider.RetryAfterDelay(null, max, now));
    }

    [Theory]
    [InlineData("1", 900)]                   // honoured: the retry waits about a second
    [InlineData("3600", 0)]                  // bounded by MaxRetryAfter (300 ms here), not an hour
    public async Task A_503_with_retry_after_is_retried_after_the_asked_delay(string retryAfter, int atLeastMs)
    {
        var script = ClientFaultTests.KServeAdd();
        script.InferFirst.Enqueue(new RecordedHttpResponse("{\"error\":\"busy\"}"u8.ToArray(), "application/json",
            new Dictionary<string, string> { ["Retry-After"] = retryAfter }, Status: 503));
        await using var server = await ReplayServer.StartAsync(script);
        var services = new ServiceCollection().AddLogging();
        services.AddModelKit(kit => kit.AddRemote(o => o.MaxRetryAfter = retryAfter == "1" ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(300))
            .AddModel("add", o => o.Endpoint = server.EndpointFor("rest-json")));
        using var provider = services.BuildServiceProvider();
        using var client = new DynamicModelClient(provider.GetRequiredService<ModelRegistry>().GetBackend("add"));
        var stopwatch = Stopwatch.StartNew();
        AssertAddAnswer(await client.RunAsync(AddInputs));
        stopwatch.Stop();
        Assert.Equal(2, script.InferCount); // the 503, then the retry
        Assert.True(stopwatch.ElapsedMilliseconds >= atLeastMs, $"retried after {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"retried after {stopwatch.ElapsedMilliseconds} ms");
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task Round_robin_spreads_calls_evenly_over_the_endpoints(string protocol)
    {
        var scripts = Enumerable.Range(0, 3).Select(static _ => ClientFaultTests.KServeAdd()).ToArray();
        var servers = await Task.WhenAll(scripts.Select(ReplayServer.StartAsync));
        try
        {
            var (services, backend) = Clients.Remote("add", servers[0].EndpointFor(protocol), protocol,
                o => o.Endpoints = [servers[1].EndpointFor(protocol), servers[2].EndpointFor(protocol)]);
            using (services)
            {
                Assert.Equal(3, ((RemoteBackend)backend).Endpoints.Count);
                Assert.Contains("round-robin", backend.Description, StringComparison.Ordinal);
                using var client = new DynamicModelClient(backend);
                for (int i = 0; i < 30; i++)
                {
                    AssertAddAnswer(await client.RunAsync(AddInputs));
                }

                Assert.All(scripts, s => Assert.Equal(10, s.InferCount));
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("rest-binary", "down")]
    [InlineData("rest-binary", "503")]
    [InlineData("grpc", "down")]
    public async Task A_failed_endpoint_is_skipped_and_no_call_fails(string protocol, string failure)
    {
        var good = ClientFaultTests.KServeAdd();
        var bad = ClientFaultTests.KServeAdd();
        bad.InferFault = static async context =>
        {
            context.Response.StatusCode = 503;
            await context.Response.WriteAsync("{\"error\":\"not ready\"}");
        };
        await using var goodServer = await ReplayServer.StartAsync(good);
        await using var badServer = await ReplayServer.StartAsync(bad);
        string badEndpoint = failure == "down" ? $"http://127.0.0.1:{FreePort()}" : badServer.EndpointFor(protocol);
        var (services, backend) = Clients.Remote("add", badEndpoint, protocol, o => o.Endpoints = [goodServer.EndpointFor(protocol)]);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            for (int i = 0; i < 20; i++)
            {
                AssertAddAnswer(await client.RunAsync(AddInputs));
            }

            Assert.Equal(20, good.InferCount);
            // The failed endpoint was tried by one call (a 503 is retried there twice first), then skipped for the cooldown
            // (5 s) rather than by every other call.
            Assert.True(bad.InferCount <= 3, $"the failed endpoint got {bad.InferCount} requests");
        }
    }

    [Fact]
    public async Task Least_outstanding_sends_calls_away_from_an_endpoint_that_holds_one()
    {
        var slow = ClientFaultTests.KServeAdd();
        var fast = ClientFaultTests.KServeAdd();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.InferFault = async context =>
        {
            arrived.TrySetResult();
            await gate.Task.WaitAsync(context.RequestAborted);
            byte[] body = Corpus.Bytes("kserve/add.infer.json");
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(body);
        };
        await using var slowServer = await ReplayServer.StartAsync(slow);
        await using var fastServer = await ReplayServer.StartAsync(fast);
        var (services, backend) = Clients.Remote("add", slowServer.EndpointFor("rest-json"), "rest-json", o =>
        {
            o.Endpoints = [fastServer.EndpointFor("rest-json")];
            o.LoadBalancing = "least-outstanding";
        });
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            // Until one call is held by the slow endpoint (at most two calls: ties go in turn).
            var held = new List<Task>();
            while (!arrived.Task.IsCompleted)
            {
                var call = client.RunAsync(AddInputs).AsTask();
                held.Add(call);
                await Task.WhenAny(call, arrived.Task).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.True(held.Count <= 2, "two calls and none reached the slow endpoint");
            }

            int fastBefore = fast.InferCount;
            for (int i = 0; i < 10; i++)
            {
                AssertAddAnswer(await client.RunAsync(AddInputs));
            }

            Assert.Equal(1, slow.InferCount);
            Assert.Equal(fastBefore + 10, fast.InferCount);
            gate.SetResult();
            await Task.WhenAll(held);
        }
    }

    [Theory]
    [InlineData("not a uri", "Endpoints:0")]
    [InlineData("ftp://127.0.0.1:1", "Endpoints:0")]
    public void Endpoints_are_validated(string endpoint, string expected)
    {
        using var services = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:add:Endpoints:0"] = endpoint,
        }, kit => kit.AddRemote().AddModel("add"));
        var ex = Assert.ThrowsAny<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("add"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_endpoints_and_unknown_balancing_are_refused()
    {
        using var services = Clients.FromConfiguration(new Dictionary<string, string?>
        {
            ["ModelKit:Models:add:Endpoints:0"] = "http://10.0.0.1:8000",
            ["ModelKit:Models:add:Endpoints:1"] = "http://10.0.0.1:8000/",
            ["ModelKit:Models:add:LoadBalancing"] = "random",
        }, kit => kit.AddRemote().AddModel("add"));
        var ex = Assert.ThrowsAny<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("add"));
        Assert.Contains("Endpoints:1 'http://10.0.0.1:8000/' is listed twice", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LoadBalancing 'random'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_options_are_validated()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddModelKit(kit => kit.AddRemote(o => o.MaxConnectionsPerServer = 0));
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RemoteClientOptions>>().Value);
        Assert.Contains("MaxConnectionsPerServer", ex.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
