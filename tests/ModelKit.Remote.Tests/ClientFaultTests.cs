using System.Diagnostics;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using ModelKit.Binding;
using ModelKit.OnnxFormat;
using ModelKit.Remote.Tests.Conformance;

namespace ModelKit.Remote.Tests;

/// <summary>
/// Client-side faults against real servers on loopback: a server killed mid-load, a server that stalls (before and during the
/// body), connections reset mid-call, a 503 storm. Without a fallback every failed call is a typed
/// <see cref="RemoteInferenceException"/> (never a raw HttpRequestException, IOException or RpcException); with a local
/// fallback, 0 calls fail. Every call's answer is checked.
/// </summary>
public sealed class ClientFaultTests : IDisposable
{
    private readonly TempRepository _repository = new TempRepository().Add("add", 1, AddModel());

    /// <summary>The ONNX twin of the KServe corpus's <c>add</c> model: output-0 = input-0 + input-1, FP32 [N,4].</summary>
    internal static byte[] AddModel() => new OnnxGraphBuilder("add")
        .AddInput("input-0", OnnxDataType.Float, [-1, 4])
        .AddInput("input-1", OnnxDataType.Float, [-1, 4])
        .AddNode("Add", ["input-0", "input-1"], ["output-0"])
        .AddOutput("output-0", OnnxDataType.Float, [-1, 4])
        .ToBytes();

    private string LocalAdd => Path.Combine(_repository.Root, "add", "1", "model.onnx");

    private static NamedTensor[] Inputs(float k) =>
        [new("input-0", TensorValue.Create(new[] { k, 2f, 3f, 4f }, 1, 4)), new("input-1", TensorValue.Create(new[] { 10f, 20f, 30f, 40f }, 1, 4))];

    /// <summary>A replay of KServe's <c>add</c> model (metadata and a JSON answer of 11, 22, 33, 44).</summary>
    internal static ReplayScript KServeAdd()
    {
        var script = new ReplayScript();
        script.Rest["/v2/models/add"] = RecordedHttpResponse.Json(Corpus.Bytes("kserve/add.metadata.json"));
        script.Rest["/v2/models/add/infer"] = RecordedHttpResponse.Json(Corpus.Bytes("kserve/add.infer.json"));
        script.GrpcModelMetadata = Corpus.Grpc<ModelKit.Protocol.Grpc.ModelMetadataResponse>("kserve/add.metadata.grpc.json");
        script.GrpcInfer = Corpus.Grpc<ModelKit.Protocol.Grpc.ModelInferResponse>("kserve/add.infer.grpc.json");
        return script;
    }

    public static TheoryData<string, bool> ProtocolsWithAndWithoutFallback()
    {
        var data = new TheoryData<string, bool>();
        foreach (string protocol in new[] { "rest-binary", "grpc" })
        {
            data.Add(protocol, false);
            data.Add(protocol, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProtocolsWithAndWithoutFallback))]
    public async Task A_server_killed_mid_load(string protocol, bool fallback)
    {
        var host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        var (services, backend) = Clients.Remote("add", host.EndpointFor(protocol), protocol, o =>
        {
            o.Timeout = TimeSpan.FromSeconds(5);
            o.Fallback = fallback ? new FallbackOptions { Path = LocalAdd } : null;
        });
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            int succeeded = 0, killedAt = -1;
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            const int Callers = 8, CallsPerCaller = 60;
            var callers = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
            {
                for (int i = 0; i < CallsPerCaller; i++)
                {
                    float k = (c * 1000) + i;
                    try
                    {
                        var y = await client.RunAsync(Inputs(k));
                        Assert.Equal(k + 10f, y[0].Value.Buffer.AsSpan<float>()[0]); // each answer is its own request's
                        if (Interlocked.Increment(ref succeeded) == 100)
                        {
                            killed.TrySetResult();
                        }
                    }
                    catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                    {
                        failures.Enqueue(ex);
                    }
                }
            })).ToArray();

            await killed.Task.WaitAsync(TimeSpan.FromSeconds(60));
            killedAt = Volatile.Read(ref succeeded);
            await host.DisposeAsync(); // the server goes away under load: in-flight calls finish or fail, later ones find no server
            await Task.WhenAll(callers);

            Console.WriteLine($"killed mid-load ({protocol}, fallback {fallback}): {Callers * CallsPerCaller} calls, {succeeded} succeeded ({killedAt} before the kill), {failures.Count} failed: "
                + string.Join(", ", failures.GroupBy(static f => $"{f.GetType().Name}/{(f as RemoteInferenceException)?.Kind}").Select(static g => $"{g.Key}×{g.Count()}")));
            if (fallback)
            {
                Assert.Empty(failures);
                Assert.Equal(Callers * CallsPerCaller, succeeded);
                Assert.NotNull(((RemoteBackend)backend).FallbackBackend);
            }
            else
            {
                Assert.NotEmpty(failures);
                Assert.All(failures, f => Assert.IsAssignableFrom<RemoteInferenceException>(f));
                Assert.All(failures, f => Assert.True(((RemoteInferenceException)f).IsTransient, f.ToString()));
            }
        }
    }

    public static TheoryData<string, bool, string> Stalls()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (bool fallback in new[] { false, true })
        {
            data.Add("rest-binary", fallback, "no-headers");
            data.Add("rest-binary", fallback, "mid-body");
            data.Add("grpc", fallback, "no-headers");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Stalls))]
    public async Task A_server_that_stalls(string protocol, bool fallback, string where)
    {
        var script = KServeAdd();
        var release = new CancellationTokenSource();
        script.InferFault = where == "no-headers"
            ? context => Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, release.Token).Token).ContinueWith(static _ => { })
            : async context =>
            {
                // Headers and half the body, then nothing.
                byte[] body = Corpus.Bytes("kserve/add.infer.json");
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
                await context.Response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, release.Token).Token).ContinueWith(static _ => { });
            };
        script.GrpcInferFault = async context =>
        {
            await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, release.Token).Token).ContinueWith(static _ => { });
            throw new RpcException(new Status(StatusCode.Cancelled, "released"));
        };
        await using var server = await ReplayServer.StartAsync(script);
        try
        {
            var (services, backend) = Clients.Remote("add", server.EndpointFor(protocol), protocol, o =>
            {
                o.Timeout = TimeSpan.FromMilliseconds(400);
                o.Fallback = fallback ? new FallbackOptions { Path = LocalAdd } : null;
            });
            using (services)
            {
                using var client = new DynamicModelClient(backend);
                for (int i = 0; i < 3; i++)
                {
                    var stopwatch = Stopwatch.StartNew();
                    if (fallback)
                    {
                        var y = await client.RunAsync(Inputs(i));
                        Assert.Equal(i + 10f, y[0].Value.Buffer.AsSpan<float>()[0]);
                    }
                    else
                    {
                        var ex = await Assert.ThrowsAsync<RemoteInferenceException>(async () => await client.RunAsync(Inputs(i)));
                        Assert.Equal(RemoteFailureKind.Timeout, ex.Kind);
                        Assert.Contains("(Timeout 0.4 s", ex.Message, StringComparison.Ordinal);
                    }

                    // Bounded by the model's Timeout (one attempt: a stalled inference is not retried), not by the stall.
                    Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"call {i} took {stopwatch.Elapsed}");
                }

                Assert.Equal(3, script.InferCount);
            }
        }
        finally
        {
            release.Cancel();
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolsWithAndWithoutFallback))]
    public async Task Connections_reset_mid_call(string protocol, bool fallback)
    {
        var script = KServeAdd();
        script.InferFault = static context =>
        {
            context.Abort(); // the connection is torn down with the request unanswered
            return Task.CompletedTask;
        };
        script.GrpcInferFault = static context =>
        {
            context.GetHttpContext().Abort();
            return Task.FromResult(new ModelKit.Protocol.Grpc.ModelInferResponse());
        };
        await using var server = await ReplayServer.StartAsync(script);
        var (services, backend) = Clients.Remote("add", server.EndpointFor(protocol), protocol, o => o.Fallback = fallback ? new FallbackOptions { Path = LocalAdd } : null);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            for (int i = 0; i < 5; i++)
            {
                if (fallback)
                {
                    var y = await client.RunAsync(Inputs(i));
                    Assert.Equal(i + 10f, y[0].Value.Buffer.AsSpan<float>()[0]);
                }
                else
                {
                    var ex = await Assert.ThrowsAnyAsync<RemoteInferenceException>(async () => await client.RunAsync(Inputs(i)));
                    Assert.True(ex.IsTransient, $"{ex.Kind}: {ex}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolsWithAndWithoutFallback))]
    public async Task A_503_storm(string protocol, bool fallback)
    {
        var script = KServeAdd();
        script.InferFault = static async context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "0";
            await context.Response.WriteAsync("{\"error\":\"queue full\"}");
        };
        script.GrpcInferFault = static _ => throw new RpcException(new Status(StatusCode.Unavailable, "queue full"));
        await using var server = await ReplayServer.StartAsync(script);
        var (services, backend) = Clients.Remote("add", server.EndpointFor(protocol), protocol, o => o.Fallback = fallback ? new FallbackOptions { Path = LocalAdd } : null);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            const int Calls = 40;
            var kinds = new List<RemoteFailureKind>();
            for (int i = 0; i < Calls; i++)
            {
                try
                {
                    var y = await client.RunAsync(Inputs(i));
                    Assert.True(fallback, "a call succeeded against a server that only answers 503");
                    Assert.Equal(i + 10f, y[0].Value.Buffer.AsSpan<float>()[0]);
                }
                catch (RemoteInferenceException ex) when (!fallback)
                {
                    kinds.Add(ex.Kind);
                }
            }

            int sent = script.InferCount;
            Console.WriteLine($"503 storm ({protocol}, fallback {fallback}): {Calls} calls, {sent} requests reached the server, failures: "
                + string.Join(", ", kinds.GroupBy(static k => k).Select(static g => $"{g.Key}×{g.Count()}")));
            if (!fallback)
            {
                Assert.Equal(Calls, kinds.Count);
                Assert.All(kinds, k => Assert.True(k is RemoteFailureKind.Unavailable or RemoteFailureKind.CircuitOpen, k.ToString()));
                // The circuit opens: far fewer than 3 attempts per call reach the server.
                Assert.Contains(RemoteFailureKind.CircuitOpen, kinds);
                Assert.True(sent < Calls * 3, $"{sent} requests for {Calls} calls");
            }
        }
    }

    public void Dispose() => _repository.Dispose();
}
