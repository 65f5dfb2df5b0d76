using Microsoft.Extensions.Options;
using ModelKit.Samples.BlazorApp.Contracts;

namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>
/// The same generated contracts, pointed at a ModelKit server: a small container of its own whose models set <c>Endpoint</c>
/// instead of <c>Path</c>, so ModelKit picks its remote backend (<c>ModelKit.Remote</c>) for them. The app's own container
/// keeps the local models, which its ModelKit server also serves. Built on first use, against <see cref="RemoteSettings.Endpoint"/>
/// or this app's own address.
/// </summary>
public sealed class RemoteDigitClients(IOptions<SampleOptions> options, SelfAddress self, DigitModelCatalog catalog) : IDisposable
{
    private readonly Lock _gate = new();
    private ServiceProvider? _provider;
    private string? _endpoint;

    /// <summary>The server the remote clients talk to (null until known).</summary>
    public string? Endpoint => options.Value.Remote.Endpoint ?? self.Get();

    /// <summary>The remote CNN client.</summary>
    public IDigitClassifier Cnn => Provider.GetRequiredService<IDigitClassifier>();

    /// <summary>The remote MLP client.</summary>
    public IMlpDigitClassifier Mlp => Provider.GetRequiredService<IMlpDigitClassifier>();

    /// <summary>What runs the remote model, for the service page (null until it was used).</summary>
    public IEnumerable<IInferenceBackend> LoadedBackends
    {
        get
        {
            lock (_gate)
            {
                return _provider?.GetRequiredService<ModelRegistry>().LoadedBackends.ToList() ?? [];
            }
        }
    }

    private ServiceProvider Provider
    {
        get
        {
            lock (_gate)
            {
                string endpoint = Endpoint ?? throw new InvalidOperationException("The app is not listening yet; try again in a moment.");
                if (_provider is null || _endpoint != endpoint)
                {
                    _provider?.Dispose();
                    _provider = Build(endpoint);
                    _endpoint = endpoint;
                }

                return _provider;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _provider?.Dispose();
            _provider = null;
        }
    }

    private ServiceProvider Build(string endpoint)
    {
        var remote = options.Value.Remote;
        void Configure(ModelOptions model)
        {
            model.Endpoint = endpoint;
            model.Protocol = remote.Protocol;
            model.ApiKey = remote.ApiKey;
            model.Timeout = remote.Timeout;
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddModelKit(kit => kit
            .AddModel<IDigitClassifier>(catalog.Cnn.ModelName, Configure)
            .AddModel<IMlpDigitClassifier>(catalog.Mlp.ModelName, Configure));
        return services.BuildServiceProvider();
    }
}
