using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Remote.Tests;

/// <summary>
/// The retry rule, observed from the server's own request counter: an inference the server rejected (400) is sent once; one it
/// refused before running (503, its single slot busy and no queue) is retried with backoff, then raised as
/// <see cref="RemoteServiceUnavailableException"/>.
/// </summary>
public sealed class RetryPolicyTests : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private TestHost _host = null!;

    public static TheoryData<string> Protocols() => new(Clients.Protocols);

    public async Task InitializeAsync()
    {
        _repository.Add("reshape_retry", 1, TestModels.Reshape23());
        _repository.Add("probe", 1, TestModels.Identity(OnnxFormat.OnnxDataType.Float));
        _repository.Add("slow", 1, TestModels.Slow()).Config("slow", """{ "options": { "IntraOpThreads": 1, "WarmupRuns": 0 } }""");
        _host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.MaxConcurrentInferences = 1;
            o.MaxQueuedInferences = 0;
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Rejected_requests_are_sent_once_and_refused_ones_are_retried(string protocol)
    {
        using var requests = new ServerRequests(_host);
        var (services, backend) = Clients.Remote("reshape_retry", _host.EndpointFor(protocol), protocol);
        using (services)
        using (var client = new DynamicModelClient(backend))
        {
            var bad = await Assert.ThrowsAnyAsync<RemoteInferenceException>(async () => await client.RunAsync([new NamedTensor("x", TensorValue.Create(new float[5], 5))]));
            Assert.IsNotType<RemoteServiceUnavailableException>(bad);
            await requests.SettledAsync();
            Assert.Equal(1, requests.Count("reshape_retry"));

            // Occupy the server's only slot with the slow model, then ask again: 503, retried twice, then raised.
            using var slowServices = Clients.FromConfiguration(new Dictionary<string, string?>
            {
                ["ModelKit:Models:slow:Endpoint"] = _host.EndpointFor(protocol),
                ["ModelKit:Models:slow:Protocol"] = protocol,
            }, kit => kit.AddModel<ISlow>());
            var slow = slowServices.GetRequiredService<ISlow>();
            using var stopSlow = new CancellationTokenSource();
            Assert.True(await ProbeUntilAsync(protocol, refused: false), "the server stayed busy with an earlier request");
            // A probe may hold the slot at the moment the slow request arrives (then the slow one is refused): start it again.
            Task<float[]> running = null!;
            bool held = false;
            for (int attempt = 0; attempt < 5 && !held; attempt++)
            {
                running = slow.RunAsync(new float[256 * 1024], stopSlow.Token).AsTask();
                held = await ProbeUntilAsync(protocol, refused: true, running);
            }

            Assert.True(held, "the slow request never took the server's only slot");
            Assert.False(running.IsCompleted, "the slow model finished too early to hold the slot");

            var stopwatch = Stopwatch.StartNew();
            var refused = await Assert.ThrowsAsync<RemoteServiceUnavailableException>(async () => await client.RunAsync([new NamedTensor("x", TensorValue.Create(new float[6], 6))]));
            stopwatch.Stop();
            if (protocol == "grpc")
            {
                Assert.Equal(Grpc.Core.StatusCode.Unavailable, refused.GrpcStatus);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }

            Assert.False(string.IsNullOrEmpty(refused.ServerError));
            await requests.SettledAsync(stillRunning: 1);
            Assert.Equal(4, requests.Count("reshape_retry")); // the 400, then the 503 three times (two retries)
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"three attempts with jittered backoff took {stopwatch.Elapsed.TotalMilliseconds:F0} ms");

            stopSlow.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
    }

    /// <summary>
    /// Probes another model until the server refuses it (then the slow request holds the slot: a run takes seconds), or until
    /// it answers (then no earlier request holds it).
    /// </summary>
    private async Task<bool> ProbeUntilAsync(string protocol, bool refused, Task? unlessDone = null)
    {
        var (services, backend) = Clients.Remote("probe", _host.EndpointFor(protocol), protocol);
        using (services)
        using (var probe = new DynamicModelClient(backend))
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(refused ? 100 : 20);
                if (unlessDone is { IsCompleted: true })
                {
                    return false;
                }

                try
                {
                    await probe.RunAsync([new NamedTensor("x", TensorValue.Create(new float[3], 1, 3))]);
                    if (!refused)
                    {
                        return true;
                    }
                }
                catch (RemoteServiceUnavailableException)
                {
                    if (refused)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
