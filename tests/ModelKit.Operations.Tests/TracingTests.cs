using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Server;
using ModelKit.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ModelKit.Operations.Tests;

/// <summary>
/// Traces across the app's generated client, the remote request, the server's handling and the model run, captured with
/// OpenTelemetry's in-memory exporter: one tracer provider for the app's sources and one for the server's, as two processes would.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TracingTests : IAsyncLifetime
{
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "modelkit-tracing-" + Guid.NewGuid().ToString("N")[..10]);
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        TestModels.Repository(_repository, "doubler", TestModels.Doubler());
        _host = await TestHost.StartAsync(o => { o.RepositoryPath = _repository; o.WarmupRuns = 0; });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_repository, recursive: true);
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task One_trace_runs_from_the_generated_client_through_the_server_to_the_model_run(string protocol)
    {
        var clientSpans = new List<Activity>();
        var serverSpans = new List<Activity>();
        using (var app = Sdk.CreateTracerProviderBuilder().AddSource(ModelKitActivitySource.Name, RemoteActivitySource.Name).AddInMemoryExporter(clientSpans).Build())
        using (var server = Sdk.CreateTracerProviderBuilder().AddSource(ServerActivitySource.Name, ModelKitActivitySource.Name).AddInMemoryExporter(serverSpans).Build())
        using (var services = Client(protocol))
        {
            var doubler = services.GetRequiredService<IDoubler>();
            var y = await doubler.DoubleAsync([1, 2, 3, 4]);
            Assert.Equal([2f, 4f, 6f, 8f], y);

            // The server ends its span once the response is written, which may be just after the client has it.
            await Eventually.True(() => serverSpans.ToArray().Any(static s => s.Source.Name == ServerActivitySource.Name));
        }

        // The client's spans: the call, and the remote request as its child.
        var call = Assert.Single(clientSpans, static s => s.DisplayName == "IDoubler.DoubleAsync");
        Assert.Equal(ModelKitActivitySource.Name, call.Source.Name);
        Assert.Equal("IDoubler", call.GetTagItem("modelkit.contract"));
        Assert.Equal("DoubleAsync", call.GetTagItem("modelkit.operation"));
        Assert.Equal("doubler", call.GetTagItem("modelkit.model.name"));
        Assert.Equal("remote", call.GetTagItem("modelkit.backend"));
        Assert.Equal("success", call.GetTagItem("modelkit.outcome"));

        var request = Assert.Single(clientSpans, static s => s.Source.Name == RemoteActivitySource.Name);
        Assert.Equal(ActivityKind.Client, request.Kind);
        Assert.Equal(call.TraceId, request.TraceId);
        Assert.Equal(call.SpanId, request.ParentSpanId);
        Assert.Equal("1", request.GetTagItem("modelkit.model.version"));
        if (protocol == "grpc")
        {
            Assert.Equal("inference.GRPCInferenceService/ModelInfer", request.DisplayName);
            Assert.Equal("grpc", request.GetTagItem("rpc.system"));
            Assert.Equal(0, request.GetTagItem("rpc.grpc.status_code"));
        }
        else
        {
            Assert.Equal("POST", request.DisplayName);
            Assert.Equal("POST", request.GetTagItem("http.request.method"));
            Assert.Equal(200, request.GetTagItem("http.response.status_code"));
            Assert.EndsWith("/v2/models/doubler/infer", (string)request.GetTagItem("url.full")!);
        }

        // The server's spans continue the caller's trace: request → compute (the server's runner) → model run.
        var handling = Assert.Single(serverSpans, static s => s.Source.Name == ServerActivitySource.Name);
        Assert.Equal(ActivityKind.Server, handling.Kind);
        Assert.Equal(call.TraceId, handling.TraceId);
        Assert.Equal(request.SpanId, handling.ParentSpanId);
        Assert.Equal("doubler", handling.GetTagItem("modelkit.model.name"));
        Assert.Equal("1", handling.GetTagItem("modelkit.model.version"));
        Assert.Equal("success", handling.GetTagItem("modelkit.outcome"));
        Assert.Equal(protocol == "grpc" ? "inference.GRPCInferenceService/ModelInfer" : "POST /v2/models/{name}/infer", handling.DisplayName);

        var compute = Assert.Single(serverSpans, s => s.Source.Name == ModelKitActivitySource.Name && s.ParentSpanId == handling.SpanId);
        Assert.Equal("doubler.infer", compute.DisplayName);
        var run = Assert.Single(serverSpans, s => s.DisplayName == "run doubler" && s.ParentSpanId == compute.SpanId);
        Assert.Equal(call.TraceId, run.TraceId);
        Assert.Equal(1, run.GetTagItem("modelkit.batch.size"));
        Assert.Equal("onnxruntime", run.GetTagItem("modelkit.backend"));
        Assert.Equal("success", run.GetTagItem("modelkit.outcome"));
        Assert.True(run.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task The_server_continues_a_trace_that_another_client_started_and_marks_failures()
    {
        // The W3C header as any OpenTelemetry-instrumented client (Python, Go, Triton's perf_analyzer with tracing) sends it.
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string parentId = "00f067aa0ba902b7";
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(ServerActivitySource.Name).AddInMemoryExporter(spans).Build())
        using (var http = new HttpClient { BaseAddress = _host.RestAddress })
        {
            using var ok = new HttpRequestMessage(HttpMethod.Post, "v2/models/doubler/infer")
            {
                Content = new StringContent("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", new MediaTypeHeaderValue("application/json")),
            };
            ok.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{parentId}-01");
            ok.Headers.TryAddWithoutValidation("tracestate", "vendor=abc");
            using var answer = await http.SendAsync(ok);
            Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());

            using var bad = new HttpRequestMessage(HttpMethod.Post, "v2/models/doubler/infer")
            {
                Content = new StringContent("""{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}""", new MediaTypeHeaderValue("application/json")),
            };
            using var rejected = await http.SendAsync(bad);
            Assert.Equal(400, (int)rejected.StatusCode);
            await Eventually.True(() => spans.Count == 2);
        }

        Assert.Equal(2, spans.Count);
        var continued = spans[0];
        Assert.Equal(traceId, continued.TraceId.ToHexString());
        Assert.Equal(parentId, continued.ParentSpanId.ToHexString());
        Assert.Equal("vendor=abc", continued.TraceStateString);
        Assert.Equal(200, continued.GetTagItem("http.response.status_code"));
        Assert.Equal("/v2/models/{name}/infer", continued.GetTagItem("http.route"));

        var failed = spans[1];
        Assert.NotEqual(continued.TraceId, failed.TraceId); // no traceparent: a new trace
        Assert.Equal(400, failed.GetTagItem("http.response.status_code"));
        Assert.Equal("bad_request", failed.GetTagItem("modelkit.outcome"));
        Assert.Equal("shape_mismatch", failed.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, failed.Status); // a client's error is not the server's (OpenTelemetry HTTP server rule)
    }

    [Fact]
    public async Task A_dynamic_batch_links_the_calls_it_stacks_and_holds_the_run()
    {
        string model = Path.Combine(_repository, "doubler", "1", "model.onnx");
        var spans = new List<Activity>();
        using (Sdk.CreateTracerProviderBuilder().AddSource(ModelKitActivitySource.Name).AddInMemoryExporter(spans).Build())
        {
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddOnnxRuntime().AddModel<IDoubler>(o =>
            {
                o.Path = model;
                o.Batching = new BatchingOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromSeconds(2), PreferredBatchSizes = [4] };
            }));
            using var provider = services.BuildServiceProvider();
            var doubler = provider.GetRequiredService<IDoubler>();
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => doubler.DoubleAsync([i, i, i, i]).AsTask())));
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(2f * i, results[i][0]);
            }
        }

        var calls = spans.Where(static s => s.DisplayName == "IDoubler.DoubleAsync").ToList();
        Assert.Equal(4, calls.Count);
        var batches = spans.Where(static s => s.DisplayName == "batch doubler").ToList();
        Assert.NotEmpty(batches);
        // Every call is linked from the batch that ran it, and each batch holds the run of exactly its calls.
        var linked = batches.SelectMany(static b => b.Links).Select(static l => l.Context.SpanId).ToHashSet();
        Assert.All(calls, call => Assert.Contains(call.SpanId, linked));
        foreach (var batch in batches)
        {
            var run = Assert.Single(spans, s => s.DisplayName == "run doubler" && s.ParentSpanId == batch.SpanId);
            Assert.Equal(batch.Links.Count(), run.GetTagItem("modelkit.batch.size"));
            Assert.Equal(batch.Links.Count(), batch.GetTagItem("modelkit.batch.size"));
        }

        Assert.Equal(4, batches.Sum(static b => b.Links.Count()));
    }

    private ServiceProvider Client(string protocol)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelKit:Models:doubler:Endpoint"] = _host.EndpointFor(protocol),
            ["ModelKit:Models:doubler:Protocol"] = protocol,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddModelKit(configuration.GetSection("ModelKit")).AddModel<IDoubler>();
        return services.BuildServiceProvider();
    }
}

/// <summary>Tracer providers listen process-wide: the tracing tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
