using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ModelKit.Remote.Tests;

/// <summary>The remote options: binding from configuration, validation of Fallback, registration.</summary>
public sealed class RemoteOptionsTests
{
    [Fact]
    public void Fallback_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelKit:Models:mnist:Endpoint"] = "http://127.0.0.1:8000",
            ["ModelKit:Models:mnist:Fallback:Path"] = "models/mnist.onnx",
            ["ModelKit:Models:mnist:RemoteName"] = "digits",
            ["ModelKit:Models:mnist:Timeout"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddModelKit(configuration.GetSection("ModelKit")).AddModel("mnist");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("mnist");
        Assert.Equal("models/mnist.onnx", options.Fallback?.Path);
        Assert.Equal("digits", options.RemoteName);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Timeout);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8000", null, "Fallback needs a Path")]
    [InlineData(null, "m.onnx", "Fallback applies to remote models only")]
    public void A_fallback_without_a_path_or_on_a_local_model_fails_validation(string? endpoint, string? fallbackPath, string expected)
    {
        var services = new ServiceCollection();
        services.AddModelKit().AddModel("mnist", o =>
        {
            o.Endpoint = endpoint;
            o.Path = endpoint is null ? "local.onnx" : null;
            o.Fallback = new FallbackOptions { Path = fallbackPath };
        });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ModelOptions>>().Get("mnist"));
        Assert.Contains("ModelKit:Models:mnist:Fallback", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_is_idempotent_and_brings_the_named_http_clients()
    {
        var services = new ServiceCollection();
        var kit = services.AddModelKit();
        kit.AddRemote();
        RemoteBackendProvider.Register(kit);
        kit.AddRemote();
        Assert.Single(services, static d => d.ServiceType == typeof(IInferenceBackendProvider) && d.ImplementationType == typeof(RemoteBackendProvider));
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        using var rest = factory.CreateClient(RemoteBackendProvider.HttpClientName);
        Assert.Equal(Timeout.InfiniteTimeSpan, rest.Timeout);
        var remote = Assert.Single(provider.GetServices<IInferenceBackendProvider>());
        Assert.True(remote.CanCreate(new ModelOptions { Endpoint = "http://127.0.0.1:1" }));
        Assert.False(remote.CanCreate(new ModelOptions { Path = "m.onnx" }));
    }

    [Fact]
    public void A_remote_model_without_the_remote_backend_names_the_package()
    {
        var services = new ServiceCollection();
        services.AddModelKit().AddModel("mnist", o => o.Endpoint = "http://127.0.0.1:1");
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<ModelLoadException>(() => provider.GetRequiredService<ModelRegistry>().GetBackend("mnist"));
        Assert.Contains("ModelKit.Remote", ex.Message, StringComparison.Ordinal);
    }
}
