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
        var clock = Stopwatch.StartNew();
        var results = new List<Outcome>();
        var stop = new CancellationTokenSource();
        double? notReadyAt = null;
        double? refusedAt = null;

        async Task Worker()
        {
            while (!stop.IsCancellationRequested)
            {
                double started = clock.Elapsed.TotalMilliseconds;
                Outcome outcome;
                try
                {
                    using var response = await http.PostAsync("/v2/models/slow/infer", new StringContent(body, Encoding.UTF8, "application/json"));
                    string text = await response.Content.ReadAsStringAsync();
                    bool complete = response.StatusCode != HttpStatusCode.OK || (text.Contains("\"outputs\"", StringComparison.Ordinal) && text.EndsWith('}'));
                    outcome = new Outcome(started, clock.Elapsed.TotalMilliseconds, (int)response.StatusCode, complete ? null : "truncated body", text);
                }
                catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    return; // the listener is closed: the request never reached the server
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    outcome = new Outcome(started, clock.Elapsed.TotalMilliseconds, 0, ex.GetType().Name + ": " + ex.Message, null);
                }

                lock (results)
                {
                    results.Add(outcome);
                }

                if (outcome.Status == 503)
                {
                    return; // told the server is draining: a client (or the Service) goes to another replica
                }
            }
        }

        async Task ReadinessProbe()
        {
            // A kubelet-like probe: polls readiness until the listener is gone.
            using var probe = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                try
                {
                    using var response = await probe.GetAsync("/v2/health/ready");
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        notReadyAt ??= clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    refusedAt ??= clock.Elapsed.TotalMilliseconds;
                    return;
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
                return results.Count(static r => r.Status == 200) >= 2 * Workers;
            }
        }, TimeSpan.FromSeconds(60), "the load to run");

        double signaledAt = clock.Elapsed.TotalMilliseconds;
        server.Terminate();
        int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        stop.Cancel();
        await Task.WhenAll(load);
        await readiness;

        string log = server.Output;
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{log}");
        Outcome[] all;
        lock (results)
        {
            all = [.. results];
        }

        // Every request sent before the signal reached the server and was answered: 200 with a whole body (in flight: drained), or a
        // clean 503 (arrived once draining). Requests sent after it were answered the same way, or found the listener closed.
        var failed = all.Where(r => r.Status is not (200 or 503) && (r.Started < signaledAt || r.Status != 0)).ToList();
        failed.AddRange(all.Where(static r => r.Status is 200 or 503 && r.Error is not null));
        Assert.True(failed.Count == 0, $"{failed.Count} of {all.Length} requests failed: {string.Join("; ", failed.Take(5).Select(f => $"{f.Started - signaledAt:F1} ms {f.Status} {f.Error} {f.Body?[..Math.Min(200, f.Body.Length)]}"))}\n{log}");
        Assert.Contains(all, static r => r.Status == 503);
        Assert.All(all.Where(static r => r.Status == 503), static r => Assert.Contains("shutting down", r.Body, StringComparison.Ordinal));

        // Requests in progress at the signal finished with 200 after it: the drain covered real work.
        int inFlightCompleted = all.Count(r => r.Status == 200 && r.Started < signaledAt && r.Ended > signaledAt);
        Assert.True(inFlightCompleted > 0, $"no request was in progress at SIGTERM ({all.Length} requests)\n{log}");

        // Readiness failed while the listener was still open, before it refused connections.
        Assert.True(notReadyAt is not null, $"readiness never answered 503 before the listener closed\n{log}");
        Assert.True(refusedAt is not null, "the probe never saw the listener close");
        Assert.True(notReadyAt >= signaledAt && notReadyAt < refusedAt, $"signal at {signaledAt:F0} ms, not ready at {notReadyAt:F0} ms, listener closed at {refusedAt:F0} ms");
        Assert.Contains("Draining: not ready", log, StringComparison.Ordinal);
        Assert.Contains("Drained in", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Drain timeout", log, StringComparison.Ordinal);
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

        var clock = Stopwatch.StartNew();
        var results = new List<Outcome>();
        var stop = new CancellationTokenSource();
        double? notReadyAt = null;
        double? refusedAt = null;
        double signaledAt = double.MaxValue;

        static bool Refused(RpcException ex) =>
            ex.StatusCode == StatusCode.Unavailable
            && ex.Status.DebugException is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } or SocketException { SocketErrorCode: SocketError.ConnectionRefused };

        async Task Worker()
        {
            while (!stop.IsCancellationRequested)
            {
                double started = clock.Elapsed.TotalMilliseconds;
                Outcome outcome;
                try
                {
                    var response = await client.ModelInferAsync(message, deadline: DateTime.UtcNow.AddSeconds(60));
                    bool complete = response.Outputs.Count == 1 && response.RawOutputContents.Count == 1 && response.RawOutputContents[0].Length == 32 * 256 * 4;
                    outcome = new Outcome(started, clock.Elapsed.TotalMilliseconds, 200, complete ? null : "incomplete response", null);
                }
                catch (RpcException ex) when (Refused(ex) || (ex.StatusCode == StatusCode.Unavailable && ex.Status.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal) && clock.Elapsed.TotalMilliseconds > signaledAt))
                {
                    // The listener is closed, or the connection closed under a call being started after the signal: the call never
                    // reached the server (a client's retry or the Service sends it to another replica).
                    return;
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is null)
                {
                    outcome = new Outcome(started, clock.Elapsed.TotalMilliseconds, 503, null, ex.Status.Detail); // the server's own answer
                }
                catch (RpcException ex)
                {
                    outcome = new Outcome(started, clock.Elapsed.TotalMilliseconds, 0, $"{ex.StatusCode}: {ex.Status.Detail} {ex.Status.DebugException?.GetType().Name}", null);
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
            // A gRPC readiness probe (as kubelet's grpc probe or a mesh would run it) on its own connection.
            using var probeChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var probe = new GRPCInferenceService.GRPCInferenceServiceClient(probeChannel);
            while (true)
            {
                try
                {
                    var ready = await probe.ServerReadyAsync(new ServerReadyRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    if (!ready.Ready)
                    {
                        notReadyAt ??= clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (RpcException ex) when (Refused(ex) || ex.StatusCode == StatusCode.Unavailable)
                {
                    refusedAt ??= clock.Elapsed.TotalMilliseconds;
                    return;
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
                return results.Count(static r => r.Status == 200) >= 2 * Workers;
            }
        }, TimeSpan.FromSeconds(60), "the gRPC load to run");

        signaledAt = clock.Elapsed.TotalMilliseconds;
        server.Terminate();
        int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        stop.Cancel();
        await Task.WhenAll(load);
        await readiness;

        string log = server.Output;
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{log}");
        Outcome[] all;
        lock (results)
        {
            all = [.. results];
        }

        var failed = all.Where(static r => r.Status == 0 || r.Error is not null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {all.Length} calls failed: {string.Join("; ", failed.Take(5).Select(f => $"{f.Started - signaledAt:F1} ms {f.Error}"))}\n{log}");
        Assert.All(all.Where(static r => r.Status == 503), static r => Assert.Contains("shutting down", r.Body, StringComparison.Ordinal));
        int inFlightCompleted = all.Count(r => r.Status == 200 && r.Started < signaledAt && r.Ended > signaledAt);
        Assert.True(inFlightCompleted > 0, $"no call was in progress at SIGTERM ({all.Length} calls)\n{log}");
        Assert.True(notReadyAt is not null, $"ServerReady never answered false before the listener closed\n{log}");
        Assert.True(refusedAt is not null, "the probe never saw the listener close");
        Assert.True(notReadyAt >= signaledAt && notReadyAt < refusedAt, $"signal at {signaledAt:F0} ms, not ready at {notReadyAt:F0} ms, listener closed at {refusedAt:F0} ms");
        Assert.Contains("Drained in", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Drain timeout", log, StringComparison.Ordinal);
    }

    private sealed record Outcome(double Started, double Ended, int Status, string? Error, string? Body);
}
