using System.Diagnostics.Metrics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.OnnxFormat;
using ModelKit.Server;

namespace ModelKit.Benchmarks;

// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*PrometheusRecord*' '*MetricsEndpointOverhead*'

/// <summary>
/// One measurement into the <c>/metrics</c> exporter (a counter or histogram with the server's three tags, a known series): the
/// cost on the inference path. 1,000 measurements per operation.
/// </summary>
[MemoryDiagnoser]
public class PrometheusRecord
{
    private const int Measurements = 1000;
    private readonly KeyValuePair<string, object?> _model = new("model", "mnist");
    private readonly KeyValuePair<string, object?> _protocol = new("protocol", "rest-binary");
    private readonly KeyValuePair<string, object?> _outcome = new("outcome", "success");
    private ServiceProvider _services = null!;
    private PrometheusExporter _exporter = null!;
    private Meter _meter = null!;
    private Counter<long> _counter = null!;
    private Histogram<double> _histogram = null!;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _exporter = new PrometheusExporter(new ServerMetrics(_services.GetRequiredService<IMeterFactory>()));
        _meter = new Meter("ModelKit.Benchmarks.Metrics");
        _counter = _meter.CreateCounter<long>("bench.requests", "{request}");
        _histogram = _meter.CreateHistogram<double>("bench.duration", "s");
        Counter();
        Histogram();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _exporter.Dispose();
        _meter.Dispose();
        _services.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Measurements, Description = "counter +1, 3 tags")]
    public void Counter()
    {
        for (int i = 0; i < Measurements; i++)
        {
            _counter.Add(1, _model, _protocol, _outcome);
        }
    }

    [Benchmark(OperationsPerInvoke = Measurements, Description = "histogram, 3 tags")]
    public void Histogram()
    {
        for (int i = 0; i < Measurements; i++)
        {
            _histogram.Record(0.000125, _model, _protocol, _outcome);
        }
    }
}

/// <summary>
/// A small REST JSON inference (y = 2x, FP32[1,4]) against a loopback server with <c>/metrics</c> on (the exporter listens to every
/// server and ModelKit instrument) and off (nothing listens): the round trip, and the server overhead it prints when it stops.
/// </summary>
[MemoryDiagnoser]
public class MetricsEndpointOverhead
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""");
    private LoopbackServer _server = null!;
    private HttpClient _http = null!;
    private string _model = null!;

    [Params(true, false)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Path.Combine(Path.GetTempPath(), $"modelkit-bench-doubler-{Environment.ProcessId}.onnx");
        File.WriteAllBytes(_model, new OnnxGraphBuilder("doubler")
            .AddInput("x", OnnxDataType.Float, [-1, 4])
            .AddInitializer("two", new[] { 2f }, 1)
            .AddNode("Mul", ["x", "two"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [-1, 4])
            .ToBytes());
        _server = LoopbackServer.Start(kit => kit.AddModel("doubler", o => o.Path = _model), o => o.EnableMetricsEndpoint = Metrics);
        _http = new HttpClient { BaseAddress = new Uri(_server.Rest) };
        Infer();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        _server.Dispose();
        File.Delete(_model);
    }

    [Benchmark(Description = "REST JSON y = 2x, round trip")]
    public void Infer()
    {
        using var content = new ByteArrayContent(Body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = _http.PostAsync("v2/models/doubler/infer", content).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        _ = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
    }
}
