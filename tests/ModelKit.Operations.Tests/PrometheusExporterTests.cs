using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Server;

namespace ModelKit.Operations.Tests;

/// <summary>The <c>/metrics</c> exporter: exact values under concurrency, one series per tag set in any order, nothing allocated per measurement.</summary>
[Collection(TracingCollection.Name)]
public sealed class PrometheusExporterTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly PrometheusExporter _exporter;
    private readonly Meter _meter = new("ModelKit.ExporterTests." + Guid.NewGuid().ToString("N")[..8]);

    public PrometheusExporterTests()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _exporter = new PrometheusExporter(new ServerMetrics(_services.GetRequiredService<IMeterFactory>()));
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
        _services.Dispose();
    }

    [Fact]
    public void Recording_a_known_series_allocates_nothing()
    {
        var counter = _meter.CreateCounter<long>("alloc.requests", "{request}");
        var histogram = _meter.CreateHistogram<double>("alloc.duration", "s");
        var gauge = _meter.CreateUpDownCounter<long>("alloc.active", "{request}");
        var model = new KeyValuePair<string, object?>("model", "mnist");
        var protocol = new KeyValuePair<string, object?>("protocol", "grpc");
        var outcome = new KeyValuePair<string, object?>("outcome", "success");
        Record(counter, histogram, gauge, model, protocol, outcome, 1); // the first measurement of a series creates it

        long before = GC.GetAllocatedBytesForCurrentThread();
        Record(counter, histogram, gauge, model, protocol, outcome, 10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        string text = _exporter.Collect();
        Assert.Contains("alloc_requests_total{model=\"mnist\",outcome=\"success\",protocol=\"grpc\"} 10001", text);
        Assert.Contains("alloc_duration_seconds_count{model=\"mnist\",outcome=\"success\",protocol=\"grpc\"} 10001", text);
        Assert.Contains("alloc_active{protocol=\"grpc\"} 0", text);
    }

    [Fact]
    public async Task Concurrent_measurements_are_all_counted_and_tag_order_does_not_split_series()
    {
        var counter = _meter.CreateCounter<long>("concurrent.requests", "{request}");
        var histogram = _meter.CreateHistogram<double>("concurrent.duration", "s");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 25_000; i++)
            {
                if ((i & 1) == 0)
                {
                    counter.Add(1, new("a", "x"), new("b", t % 2));
                }
                else
                {
                    counter.Add(1, new("b", t % 2), new("a", "x"));
                }

                histogram.Record(0.001, new KeyValuePair<string, object?>("a", "x"));
            }
        })));

        string text = _exporter.Collect();
        Assert.Contains("concurrent_requests_total{a=\"x\",b=\"0\"} 50000", text);
        Assert.Contains("concurrent_requests_total{a=\"x\",b=\"1\"} 50000", text);
        Assert.Contains("concurrent_duration_seconds_count{a=\"x\"} 100000", text);
        Assert.Contains("concurrent_duration_seconds_bucket{a=\"x\",le=\"0.001\"} 100000", text);
        Assert.Contains("concurrent_duration_seconds_bucket{a=\"x\",le=\"0.0005\"} 0", text);
        double sum = double.Parse(text.Split('\n').Single(static l => l.StartsWith("concurrent_duration_seconds_sum", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(100.0, sum, 6);
    }

    private static void Record(Counter<long> counter, Histogram<double> histogram, UpDownCounter<long> gauge,
        KeyValuePair<string, object?> model, KeyValuePair<string, object?> protocol, KeyValuePair<string, object?> outcome, int times)
    {
        for (int i = 0; i < times; i++)
        {
            gauge.Add(1, protocol);
            counter.Add(1, model, protocol, outcome);
            histogram.Record(0.0002, model, protocol, outcome);
            gauge.Add(-1, protocol);
        }
    }
}
