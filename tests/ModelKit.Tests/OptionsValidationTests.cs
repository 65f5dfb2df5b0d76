using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ModelKit.Tests;

public class OptionsValidationTests
{
    [Theory]
    [InlineData(null, null, "sets neither Path (run locally) nor Endpoint (run remotely)")]
    [InlineData("m.onnx", "http://127.0.0.1:8000", "sets both Path and Endpoint")]
    [InlineData(null, "not a uri", "is not an absolute URI")]
    public void Invalid_model_options_fail_with_the_configuration_key(string? path, string? endpoint, string expected)
    {
        var services = new ServiceCollection();
        services.AddModelKit().AddModel("mnist", o =>
        {
            o.Path = path;
            o.Endpoint = endpoint;
        });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("mnist"));
        Assert.Contains("ModelKit:Models:mnist", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Options_bind_from_the_ModelKit_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Endpoint"] = "http://127.0.0.1:8000",
            ["ModelKit:Models:mnist:Protocol"] = "grpc",
            ["ModelKit:Models:mnist:Version"] = "2",
            ["ModelKit:Models:mnist:ExecutionProviders:0"] = "cuda",
            ["ModelKit:Models:mnist:Batching:MaxBatchSize"] = "16",
            ["ModelKit:Models:mnist:Batching:MaxQueueDelay"] = "00:00:00.005",
            ["ModelKit:Models:mnist:Batching:ConcurrentBatches"] = "2",
        }).Build();
        var services = new ServiceCollection();
        services.AddModelKit(configuration.GetSection("ModelKit")).AddModel("mnist");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("mnist");
        Assert.True(options.IsRemote);
        Assert.Equal("grpc", options.Protocol);
        Assert.Equal("2", options.Version);
        Assert.Equal(["cuda"], options.ExecutionProviders);
        Assert.Equal(16, options.Batching!.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.Batching.MaxQueueDelay);
        Assert.Equal(2, options.Batching.ConcurrentBatches);
    }

    [Fact]
    public void Bad_protocol_version_and_batching_are_rejected()
    {
        var services = new ServiceCollection();
        services.AddModelKit().AddModel("m", o =>
        {
            o.Endpoint = "http://127.0.0.1:1";
            o.Protocol = "soap";
            o.Version = "v1";
            o.Batching = new BatchingOptions { MaxBatchSize = 4, PreferredBatchSizes = [8], ConcurrentBatches = 0 };
        });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("m"));
        Assert.Contains("Protocol 'soap'", ex.Message);
        Assert.Contains("Version 'v1' must be numeric", ex.Message);
        Assert.Contains("PreferredBatchSizes", ex.Message);
        Assert.Contains("ConcurrentBatches must lie between 1 and 64 (it is 0)", ex.Message);
    }

    [Fact]
    public void A_model_without_a_matching_backend_gets_a_clear_error()
    {
        var services = new ServiceCollection();
        services.AddModelKit().AddModel("m", o => o.Endpoint = "http://127.0.0.1:1");
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<ModelLoadException>(() => provider.GetRequiredService<ModelRegistry>().GetBackend("m"));
        Assert.Contains("Reference the ModelKit.Remote package", ex.Message);
    }
}
