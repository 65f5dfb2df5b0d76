using ModelKit.Onnx;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.Tests;

public sealed class MlpModelCacheTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"modelkit-mlp-cache-{Guid.NewGuid():N}");

    [Fact]
    public async Task TrainsOnceThenReusesTheFile()
    {
        string path = Path.Combine(_folder, "nested", "mlp.onnx");
        int reports = 0;
        var options = new MlpTrainingOptions { Epochs = 2 };

        string first = MlpModelCache.EnsureTrained(path, options, new InlineProgress<TrainingProgress>(_ => reports++));

        Assert.Equal(Path.GetFullPath(path), first);
        Assert.True(File.Exists(first));
        Assert.True(reports > 0);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(first)!, "*.tmp"));
        double? accuracy = MlpModelCache.ReadTestAccuracy(first);
        Assert.NotNull(accuracy);
        Assert.InRange(accuracy.Value, 0.85, 1.0);
        var written = File.GetLastWriteTimeUtc(first);

        int reportsAfter = reports;
        string second = MlpModelCache.EnsureTrained(path, options, new InlineProgress<TrainingProgress>(_ => reports++));
        Assert.Equal(first, second);
        Assert.Equal(reportsAfter, reports);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));

        var cached = MlpModelCache.EnsureTrainedAsync(path, new InlineProgress<TrainingProgress>(_ => reports++));
        Assert.True(cached.IsCompletedSuccessfully);
        Assert.Equal(first, await cached);
        Assert.Equal(reportsAfter, reports);

        using var backend = OnnxModelBackend.Load("mnist-mlp", second);
        Assert.Equal("pixels", backend.Signature.Inputs[0].Name);
    }

    [Fact]
    public void CancelledTrainingWritesNothing()
    {
        string path = Path.Combine(_folder, "cancelled.onnx");
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => MlpModelCache.EnsureTrained(path, null, null, cancellationToken: cts.Token));
        Assert.False(File.Exists(path));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
