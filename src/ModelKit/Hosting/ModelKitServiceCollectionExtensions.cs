using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelKit;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds ModelKit to a service collection.</summary>
public static class ModelKitServiceCollectionExtensions
{
    /// <summary>Adds ModelKit and returns a builder for models.</summary>
    public static ModelKitBuilder AddModelKit(this IServiceCollection services) => AddModelKitCore(services, null);

    /// <summary>Adds ModelKit and registers models in <paramref name="configure"/>.</summary>
    public static ModelKitBuilder AddModelKit(this IServiceCollection services, Action<ModelKitBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddModelKitCore(services, null);
        configure(builder);
        return builder;
    }

    /// <summary>
    /// Adds ModelKit with models configured from <paramref name="configuration"/> (the <c>ModelKit</c> section:
    /// <c>{ "Models": { "mnist": { "Path": "models/mnist.onnx" } } }</c>).
    /// </summary>
    public static ModelKitBuilder AddModelKit(this IServiceCollection services, IConfiguration configuration, Action<ModelKitBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddModelKitCore(services, configuration);
        configure?.Invoke(builder);
        return builder;
    }

    private static ModelKitBuilder AddModelKitCore(IServiceCollection services, IConfiguration? configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var catalog = FindCatalog(services);
        if (catalog is null)
        {
            catalog = new ModelKitModelCatalog();
            services.AddSingleton(catalog);
            services.AddOptions();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>());
            services.TryAddSingleton<ModelRegistry>();
        }

        return new ModelKitBuilder(services, configuration, catalog);
    }

    private static ModelKitModelCatalog? FindCatalog(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ModelKitModelCatalog) && !descriptor.IsKeyedService && descriptor.ImplementationInstance is ModelKitModelCatalog catalog)
            {
                return catalog;
            }
        }

        return null;
    }
}
