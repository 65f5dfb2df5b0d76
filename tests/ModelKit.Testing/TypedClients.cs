using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Testing;

/// <summary>A generated contract's client against a server, as an app registers it: <c>AddModel&lt;TContract&gt;</c> with an endpoint.</summary>
public static class TypedClients
{
    /// <summary>
    /// A service provider whose <typeparamref name="TContract"/> runs on <paramref name="endpoint"/> over <paramref name="protocol"/>
    /// (<c>rest-binary</c>, <c>rest-json</c>, <c>grpc</c>); the contract's generated code registers the remote backend.
    /// </summary>
    public static ServiceProvider Remote<TContract>(string endpoint, string protocol)
        where TContract : class, IModelContract<TContract>
    {
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<TContract>(o =>
        {
            o.Endpoint = endpoint;
            o.Protocol = protocol;
        }));
        return services.BuildServiceProvider();
    }
}
