using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Testing;

namespace ModelKit.Operations.Tests;

/// <summary>
/// Graceful drain of a real <c>modelkit serve</c> process under continuous concurrent load: SIGTERM, then readiness fails at once,
/// new inferences get 503, every request the server accepted completes, and only then the listener closes.
/// </summary>
public sealed class DrainTests : IDisposable
{
    private const int Workers = 8;
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "modelkit-drain-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    [Fact]
    public async Task Sigterm_under_load_fails_readiness_first_refuses_new_work_and_completes_every_accepted_request()
    {
        TestModels.Repository(_repository, "slow", TestModels.Slow(96));
        int port = ServeProcess.FreePort();
        using var server = ServeProcess.Start(["serve", _repository, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grpc-port", "0", "--drain-timeout", "20"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await server.WaitForOkAsync(http, "/v2/health/ready", TimeSpan.FromSeconds(60));

        string body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[32,256],\"datatype\":\"FP32\",\"data\":[" + string.Join(',', Enumerable.Range(0, 32 * 256).Select(static i => i % 7)) + "]}]}";

        async Task<Outcome?> Call(DrainLoad load, double started)
        {
            try
            {
                using var response = await http.PostAsync("/v2/models/slow/infer", new StringContent(body, Encoding.UTF8, "application/json"));
                string text = await response.Content.ReadAsStringAsync();
                bool complete = response.StatusCode != HttpStatusCode.OK || (text.Contains("\"outputs\"", StringComparison.Ordinal) && text.EndsWith('}'));
                return new Outcome(started, load.Now, (int)response.StatusCode, complete ? null : "truncated body", text);
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return null; // the listener is closed: the request never reached the server
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                return new Outcome(started, load.Now, 0, ex.GetType().Name + ": " + ex.Message, null);
            }
        }

        // A kubelet-like probe: polls readiness until the listener is gone.
        using var probe = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        async Task<bool?> Ready()
        {
            try
            {
                using var response = await probe.GetAsync("/v2/health/ready");
                return response.StatusCode != HttpStatusCode.ServiceUnavailable;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        var result = await DrainLoad.RunAsync(server, "the load to run", Call, Ready);
        var (all, signaledAt, log) = (result.All, result.SignaledAt, result.Log);

        // Every request sent before the signal reached the server and was answered: 200 with a whole body (in flight: drained), or a
        // clean 503 (arrived once draining). Requests sent after it were answered the same way, or found the listener closed.
        var failed = all.Where(r => r.Status is not (200 or 503) && (r.Started < signaledAt || r.Status != 0)).ToList();
        failed.AddRange(all.Where(static r => r.Status is 200 or 503 && r.Error is not null));
        Assert.True(failed.Count == 0, $"{failed.Count} of {all.Length} requests failed: {string.Join("; ", failed.Take(5).Select(f => $"{f.Started - signaledAt:F1} ms {f.Status} {f.Error} {f.Body?[..Math.Min(200, f.Body.Length)]}"))}\n{log}");
        Assert.Contains(all, static r => r.Status == 503);
        Assert.All(all.Where(static r => r.Status == 503), static r => Assert.Contains("shutting down", r.Body, StringComparison.Ordinal));

        result.AssertDrainedAfterReadinessFailed("requests", "readiness never answered 503");
        Assert.Contains("Draining: not ready", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_under_grpc_load_fails_ServerReady_first_refuses_new_calls_and_completes_every_accepted_call()
    {
        TestModels.Repository(_repository, "slow", TestModels.Slow(96));
        int port = ServeProcess.FreePort();
        int grpcPort = ServeProcess.FreePort();
        using var server = ServeProcess.Start(["serve", _repository, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grpc-port", grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--drain-timeout", "20"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await server.WaitForOkAsync(http, "/v2/health/ready", TimeSpan.FromSeconds(60));

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new InferenceRequest { ModelName = "slow" };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(Enumerable.Range(0, 32 * 256).Select(static i => (float)(i % 7)).ToArray(), 32, 256)));
        var message = GrpcInferenceCodec.EncodeRequest(request);

        static bool Refused(RpcException ex) =>
            ex.StatusCode == StatusCode.Unavailable
            && ex.Status.DebugException is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } or SocketException { SocketErrorCode: SocketError.ConnectionRefused };

        async Task<Outcome?> Call(DrainLoad load, double started)
        {
            try
            {
                var response = await client.ModelInferAsync(message, deadline: DateTime.UtcNow.AddSeconds(60));
                bool complete = response.Outputs.Count == 1 && response.RawOutputContents.Count == 1 && response.RawOutputContents[0].Length == 32 * 256 * 4;
                return new Outcome(started, load.Now, 200, complete ? null : "incomplete response", null);
            }
            catch (RpcException ex) when (Refused(ex) || (ex.StatusCode == StatusCode.Unavailable && ex.Status.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal) && load.Now > load.SignaledAt))
            {
                // The listener is closed, or the connection closed under a call being started after the signal: the call never
                // reached the server (a client's retry or the Service sends it to another replica).
                return null;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is null)
            {
                return new Outcome(started, load.Now, 503, null, ex.Status.Detail); // the server's own answer
            }
            catch (RpcException ex)
            {
                return new Outcome(started, load.Now, 0, $"{ex.StatusCode}: {ex.Status.Detail} {ex.Status.DebugException?.GetType().Name}", null);
            }
        }

        // A gRPC readiness probe (as kubelet's grpc probe or a mesh would run it) on its own connection.
        using var probeChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var probe = new GRPCInferenceService.GRPCInferenceServiceClient(probeChannel);
        async Task<bool?> Ready()
        {
            try
            {
                return (await probe.ServerReadyAsync(new ServerReadyRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Ready;
            }
            catch (RpcException ex) when (Refused(ex) || ex.StatusCode == StatusCode.Unavailable)
            {
                return null;
            }
        }

        var result = await DrainLoad.RunAsync(server, "the gRPC load to run", Call, Ready);
        var (all, signaledAt, log) = (result.All, result.SignaledAt, result.Log);

        var failed = all.Where(static r => r.Status == 0 || r.Error is not null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {all.Length} calls failed: {string.Join("; ", failed.Take(5).Select(f => $"{f.Started - signaledAt:F1} ms {f.Error}"))}\n{log}");
        Assert.All(all.Where(static r => r.Status == 503), static r => Assert.Contains("shutting down", r.Body, StringComparison.Ordinal));
        result.AssertDrainedAfterReadinessFailed("calls", "ServerReady never answered false");
    }

    private sealed record Outcome(double Started, double Ended, int Status, string? Error, string? Body);

    /// <summary>What a drain under load saw: every call's outcome, when the signal was sent, readiness failed and the listener closed; the server's log.</summary>
    private sealed record DrainResult(Outcome[] All, double SignaledAt, double? NotReadyAt, double? RefusedAt, string Log)
    {
        /// <summary>Calls in progress at the signal finished with 200 after it, and readiness failed while the listener was still open.</summary>
        public void AssertDrainedAfterReadinessFailed(string calls, string neverNotReady)
        {
            // Calls in progress at the signal finished with 200 after it: the drain covered real work.
            int inFlightCompleted = All.Count(r => r.Status == 200 && r.Started < SignaledAt && r.Ended > SignaledAt);
            Assert.True(inFlightCompleted > 0, $"no {calls[..^1]} was in progress at SIGTERM ({All.Length} {calls})\n{Log}");

            // Readiness failed while the listener was still open, before it refused connections.
            Assert.True(NotReadyAt is not null, $"{neverNotReady} before the listener closed\n{Log}");
            Assert.True(RefusedAt is not null, "the probe never saw the listener close");
            Assert.True(NotReadyAt >= SignaledAt && NotReadyAt < RefusedAt, $"signal at {SignaledAt:F0} ms, not ready at {NotReadyAt:F0} ms, listener closed at {RefusedAt:F0} ms");
            Assert.Contains("Drained in", Log, StringComparison.Ordinal);
            Assert.DoesNotContain("Drain timeout", Log, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// <see cref="Workers"/> callers and a readiness probe against a serving process: once 2 × <see cref="Workers"/> calls succeeded,
    /// SIGTERM, then wait for a clean exit. A call answering null never reached the server (its worker stops), and one answered 503
    /// stops its worker (a client goes to another replica). The probe answers ready or not, or null once the listener is gone.
    /// </summary>
    private sealed class DrainLoad
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        /// <summary>Milliseconds since the load started.</summary>
        public double Now => _clock.Elapsed.TotalMilliseconds;

        /// <summary>When SIGTERM was sent (MaxValue before).</summary>
        public double SignaledAt { get; private set; } = double.MaxValue;

        public static async Task<DrainResult> RunAsync(ServeProcess server, string what, Func<DrainLoad, double, Task<Outcome?>> call, Func<Task<bool?>> ready)
        {
            var run = new DrainLoad();
            var results = new List<Outcome>();
            using var stop = new CancellationTokenSource();
            double? notReadyAt = null;
            double? refusedAt = null;

            int inFlight = 0;
            async Task Worker()
            {
                while (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref inFlight);
                    var outcome = await call(run, run.Now);
                    Interlocked.Decrement(ref inFlight);
                    if (outcome is null)
                    {
                        return;
                    }

                    lock (results)
                    {
                        results.Add(outcome);
                    }

                    if (outcome.Status == 503)
                    {
                        return;
                    }
                }
            }

            async Task ReadinessProbe()
            {
                while (true)
                {
                    switch (await ready())
                    {
                        case null:
                            refusedAt ??= run.Now;
                            return;
                        case false:
                            notReadyAt ??= run.Now;
                            break;
                    }

                    await Task.Delay(2);
                }
            }

            var load = Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)).ToList();
            var readiness = Task.Run(ReadinessProbe);
            await Eventually.True(() =>
            {
                lock (results)
                {
                    // Signal while most workers are inside a call, so that some call is surely at the server.
                    return results.Count(static r => r.Status == 200) >= 2 * Workers && Volatile.Read(ref inFlight) >= Workers / 2;
                }
            }, TimeSpan.FromSeconds(60), what);

            run.SignaledAt = run.Now;
            server.Terminate();
            int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
            await stop.CancelAsync();
            await Task.WhenAll(load);
            await readiness;

            string log = server.Output;
            Assert.True(exitCode == 0, $"exit code {exitCode}:\n{log}");
            lock (results)
            {
                return new DrainResult([.. results], run.SignaledAt, notReadyAt, refusedAt, log);
            }
        }
    }
}
