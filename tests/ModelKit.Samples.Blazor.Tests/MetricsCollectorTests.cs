using Microsoft.Extensions.DependencyInjection;
using ModelKit.Samples.Blazor.Tests.Infrastructure;
using ModelKit.Samples.BlazorApp.Contracts;
using ModelKit.Samples.BlazorApp.Monitoring;

namespace ModelKit.Samples.Blazor.Tests;

/// <summary>The service page's figures come from ModelKit's real instruments.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MetricsCollectorTests(BlazorAppFixture fixture)
{
    [Fact]
    public async Task RunsThroughAGeneratedClient_AreCountedWithLatencyAndBatchSize()
    {
        using var collector = new MetricsCollector();
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IMlpDigitClassifier>("mnist-mlp-metrics-test", o => o.Path = fixture.MlpPath));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IMlpDigitClassifier>();
        for (int i = 0; i < 25; i++)
        {
            await client.PredictAsync(new MlpDigitImage { Pixels = new float[784] });
        }

        var series = Assert.Single(collector.Snapshot(), s => s.Model == "mnist-mlp-metrics-test");
        Assert.Equal("onnxruntime", series.Source);
        Assert.Equal(25, series.TotalRuns);
        Assert.Equal(0, series.TotalErrors);
        Assert.True(double.IsFinite(series.RecentP50Ms) && series.RecentP50Ms > 0, $"p50 {series.RecentP50Ms}");
        Assert.True(series.RecentP99Ms >= series.RecentP50Ms, $"p99 {series.RecentP99Ms} < p50 {series.RecentP50Ms}");
        Assert.Equal(MetricsCollector.WindowSeconds, series.Points.Count);
        Assert.Equal(25, series.Points.Sum(static p => p.Runs));
        Assert.All(series.Points.Where(static p => p.Runs > 0), static p => Assert.Equal(1.0, p.MeanBatch));
        Assert.True(series.RequestsPerSecond > 0);
    }
}
