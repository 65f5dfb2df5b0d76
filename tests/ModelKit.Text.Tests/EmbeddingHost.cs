using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Text.AI;

namespace ModelKit.Text.Tests;

/// <summary>One ServiceProvider with MiniLM on ONNX Runtime (unbatched "minilm", dynamically batched "minilm-batched", and "minilm-concurrent" with two batches in flight), shared by a test class.</summary>
public sealed class EmbeddingHost : IDisposable
{
    public EmbeddingHost()
    {
        var services = new ServiceCollection();
        services.AddModelKit(builder => builder
            .AddOnnxRuntime()
            .AddTextEmbeddings("minilm", configureModel: o => o.Path = MiniLmFixture.ModelPath)
            .AddTextEmbeddings("minilm-batched", configureModel: o =>
            {
                o.Path = MiniLmFixture.ModelPath;
                o.Batching = new BatchingOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(5) };
            })
            .AddTextEmbeddings("minilm-concurrent", configureModel: o =>
            {
                o.Path = MiniLmFixture.ModelPath;
                o.IntraOpThreads = 1;
                o.Batching = new BatchingOptions { MaxBatchSize = 64, MaxQueueDelay = TimeSpan.FromMilliseconds(5), ConcurrentBatches = 2 };
            }));
        Services = services.BuildServiceProvider();
    }

    public ServiceProvider Services { get; }

    public ModelKitEmbeddingGenerator Generator(string model = "minilm") => Services.GetRequiredKeyedService<ModelKitEmbeddingGenerator>(model);

    public void Dispose() => Services.Dispose();

    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
}
