namespace ModelKit.Tests;

/// <summary><see cref="ModelOptions.CloneLocal"/>: what a pipeline's networks and a remote model's fallback run with.</summary>
public sealed class ModelOptionsCloneTests
{
    // The properties CloneLocal leaves at their defaults: what makes a model remote, a pipeline, watched or falling back.
    private static readonly string[] NotCarried =
        [nameof(ModelOptions.Endpoint), nameof(ModelOptions.Endpoints), nameof(ModelOptions.LoadBalancing), nameof(ModelOptions.Protocol),
         nameof(ModelOptions.ApiKey), nameof(ModelOptions.Version), nameof(ModelOptions.RemoteName), nameof(ModelOptions.ReloadOnChange),
         nameof(ModelOptions.Fallback), nameof(ModelOptions.Processing)];

    private static ModelOptions Everything() => new()
    {
        Path = "/models/pipeline",
        Endpoint = "http://127.0.0.1:8000",
        Endpoints = ["http://127.0.0.1:8001"],
        LoadBalancing = "least-outstanding",
        Protocol = "grpc",
        ApiKey = "key",
        Version = "3",
        RemoteName = "remote",
        Timeout = TimeSpan.FromSeconds(7),
        IntraOpThreads = 2,
        InterOpThreads = 3,
        GraphOptimizationLevel = "basic",
        ExecutionProviders = ["cuda", "cpu"],
        CudaDeviceId = 1,
        TensorRtCachePath = "/trt",
        WarmupRuns = 4,
        ReloadOnChange = true,
        Batching = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(5), PreferredBatchSizes = [4, 8], MaxQueueSize = 99, ConcurrentBatches = 3 },
        Fallback = new FallbackOptions { Path = "/fallback.onnx" },
        Processing = new ProcessingOptions { Kind = "ocr" },
    };

    [Fact]
    public void Carries_the_runtime_settings_with_the_new_path()
    {
        var source = Everything();
        var local = source.CloneLocal("/models/pipeline/det.onnx");

        Assert.Equal("/models/pipeline/det.onnx", local.Path);
        Assert.True(local.IsLocal);
        Assert.False(local.IsRemote);
        Assert.Equal(TimeSpan.FromSeconds(7), local.Timeout);
        Assert.Equal(2, local.IntraOpThreads);
        Assert.Equal(3, local.InterOpThreads);
        Assert.Equal("basic", local.GraphOptimizationLevel);
        Assert.Equal(["cuda", "cpu"], local.ExecutionProviders);
        Assert.Equal(1, local.CudaDeviceId);
        Assert.Equal("/trt", local.TensorRtCachePath);
        Assert.Equal(4, local.WarmupRuns);
        Assert.NotNull(local.Batching);
        Assert.Equal(8, local.Batching.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(5), local.Batching.MaxQueueDelay);
        Assert.Equal([4, 8], local.Batching.PreferredBatchSizes);
        Assert.Equal(99, local.Batching.MaxQueueSize);
        Assert.Equal(3, local.Batching.ConcurrentBatches);
    }

    [Fact]
    public void Carries_nothing_remote_and_no_processing_fallback_or_reload()
    {
        var local = Everything().CloneLocal("/m.onnx");
        var defaults = new ModelOptions();
        foreach (string name in NotCarried)
        {
            var property = typeof(ModelOptions).GetProperty(name)!;
            object? value = property.GetValue(local);
            object? expected = property.GetValue(defaults);
            if (value is System.Collections.IEnumerable list and not string)
            {
                Assert.Empty(list);
            }
            else
            {
                Assert.True(Equals(expected, value), $"{name}: expected the default {expected ?? "null"}, got {value}");
            }
        }
    }

    [Fact]
    public void Every_option_is_either_carried_or_deliberately_not()
    {
        // A new ModelOptions property must be decided on here: carried by CloneLocal (a runtime setting), or not.
        var source = Everything();
        var local = source.CloneLocal(source.Path!);
        var defaults = new ModelOptions();
        foreach (var property in typeof(ModelOptions).GetProperties().Where(static p => p.CanWrite))
        {
            if (NotCarried.Contains(property.Name))
            {
                continue;
            }

            object? fromSource = property.GetValue(source);
            Assert.False(Equals(fromSource, property.GetValue(defaults)) && fromSource is not System.Collections.IEnumerable,
                $"{property.Name}: set it to a non-default value in Everything() so this test sees whether it is carried");
            object? copied = property.GetValue(local);
            if (fromSource is System.Collections.IEnumerable items and not string)
            {
                Assert.Equal(items.Cast<object>(), ((System.Collections.IEnumerable)copied!).Cast<object>());
                Assert.NotSame(fromSource, copied);
            }
            else if (fromSource is BatchingOptions batching)
            {
                Assert.NotSame(fromSource, copied);
                var batchingDefaults = new BatchingOptions();
                foreach (var setting in typeof(BatchingOptions).GetProperties().Where(static p => p.CanWrite))
                {
                    object? value = setting.GetValue(batching);
                    object? copiedValue = setting.GetValue(copied);
                    if (value is System.Collections.IEnumerable list)
                    {
                        Assert.Equal(list.Cast<object>(), ((System.Collections.IEnumerable)copiedValue!).Cast<object>());
                        continue;
                    }

                    Assert.False(Equals(value, setting.GetValue(batchingDefaults)), $"Batching.{setting.Name}: set it to a non-default value in Everything()");
                    Assert.Equal(value, copiedValue);
                }
            }
            else
            {
                Assert.Equal(fromSource, copied);
            }
        }
    }

    [Fact]
    public void The_copy_is_independent_of_the_source()
    {
        var source = Everything();
        var local = source.CloneLocal("/m.onnx");
        source.ExecutionProviders.Add("tensorrt");
        source.Batching!.PreferredBatchSizes.Add(16);
        source.Batching.MaxBatchSize = 64;

        Assert.Equal(["cuda", "cpu"], local.ExecutionProviders);
        Assert.Equal([4, 8], local.Batching!.PreferredBatchSizes);
        Assert.Equal(8, local.Batching.MaxBatchSize);
    }
}
