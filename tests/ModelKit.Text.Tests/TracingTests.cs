using System.Diagnostics;
using ModelKit.Testing;
using ModelKit.Text.Diagnostics;

namespace ModelKit.Text.Tests;

public sealed class TracingTests(EmbeddingHost host) : IClassFixture<EmbeddingHost>
{
    [Fact]
    public async Task Embeddings_get_a_GenAI_span_with_usage_and_the_model_runs_beneath_it()
    {
        using var spans = new SpanCollector(ModelKitActivitySource.Name);

        ActivityTraceId trace;
        Microsoft.Extensions.AI.GeneratedEmbeddings<Microsoft.Extensions.AI.Embedding<float>> result;
        using (var root = spans.StartRoot())
        {
            trace = root.TraceId;
            result = await host.Generator().GenerateAsync(["Dogs bark.", "The cat sleeps on the warm windowsill."]);
        }

        // The listener is process-wide: only this test's trace counts.
        var mine = spans.InTrace(trace).Where(s => s.Source.Name == ModelKitActivitySource.Name).ToList();
        var embeddings = Assert.Single(mine, s => s.DisplayName == "embeddings minilm");
        Assert.Equal("embeddings", embeddings.GetTagItem(EmbeddingTelemetry.Tags.OperationName));
        Assert.Equal("modelkit", embeddings.GetTagItem(EmbeddingTelemetry.Tags.ProviderName));
        Assert.Equal("minilm", embeddings.GetTagItem(EmbeddingTelemetry.Tags.RequestModel));
        Assert.Equal(result.Usage!.InputTokenCount, embeddings.GetTagItem(EmbeddingTelemetry.Tags.InputTokens));
        Assert.Equal(384, embeddings.GetTagItem(EmbeddingTelemetry.Tags.Dimensions));
        Assert.Equal("success", embeddings.GetTagItem(ModelKitActivitySource.Tags.Outcome));

        // The model run(s) are children of the embeddings span.
        var runs = mine.Where(s => s.DisplayName.StartsWith("run ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(runs);
        Assert.All(runs, r => Assert.Equal(embeddings.SpanId, r.ParentSpanId));
    }

    [Fact]
    public async Task A_failed_request_marks_the_span_as_an_error()
    {
        using var spans = new SpanCollector(ModelKitActivitySource.Name);

        ActivityTraceId trace;
        using (var root = spans.StartRoot())
        {
            trace = root.TraceId;
            await Assert.ThrowsAsync<ArgumentException>(() => host.Generator().GenerateAsync(["x"], new() { Dimensions = 3 }));
        }

        var span = Assert.Single(spans.InTrace(trace), s => s.DisplayName == "embeddings minilm");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(ArgumentException).FullName, span.GetTagItem(ModelKitActivitySource.Tags.ErrorType));
    }
}
