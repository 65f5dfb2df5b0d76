using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ModelKit;

/// <summary>Registers models and backends with ModelKit. Returned by <c>AddModelKit</c>.</summary>
public sealed class ModelKitBuilder
{
    internal ModelKitBuilder(IServiceCollection services, IConfiguration? configuration, ModelKitModelCatalog catalog)
    {
        Services = services;
        Configuration = configuration;
        Catalog = catalog;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The <c>ModelKit</c> configuration section, when one was given.</summary>
    public IConfiguration? Configuration { get; }

    internal ModelKitModelCatalog Catalog { get; }

    /// <summary>Registers contract <typeparamref name="TContract"/> under its model name (from <see cref="ModelContractAttribute"/>).</summary>
    public ModelKitBuilder AddModel<TContract>(Action<ModelOptions>? configure = null)
        where TContract : class, IModelContract<TContract> =>
        AddModel<TContract>(TContract.Descriptor.ModelName, configure);

    /// <summary>
    /// Registers contract <typeparamref name="TContract"/> for model <paramref name="modelName"/>: a keyed singleton under that name,
    /// and the unkeyed <typeparamref name="TContract"/> when it is the first registration of the contract.
    /// </summary>
    public ModelKitBuilder AddModel<TContract>(string modelName, Action<ModelOptions>? configure = null)
        where TContract : class, IModelContract<TContract>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        TContract.AddBackends(this);
        AddModelOptions(modelName, configure);
        Catalog.Add(new ModelRegistration(modelName, TContract.Descriptor.Contract));

        Services.AddKeyedSingleton<TContract>(modelName, static (sp, key) =>
            TContract.CreateClient(sp.GetRequiredService<ModelRegistry>().GetBackend((string)key!), sp));
        Services.TryAddSingleton<TContract>(sp => sp.GetRequiredKeyedService<TContract>(modelName));
        return this;
    }

    /// <summary>Registers a model by name only, for hosts that serve it untyped (the server, <see cref="DynamicModelClient"/>).</summary>
    public ModelKitBuilder AddModel(string modelName, Action<ModelOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        AddModelOptions(modelName, configure);
        Catalog.Add(new ModelRegistration(modelName, string.Empty));
        return this;
    }

    /// <summary>Adds a backend provider (once per type).</summary>
    public ModelKitBuilder AddBackendProvider<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicConstructors)] TProvider>()
        where TProvider : class, IInferenceBackendProvider
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IInferenceBackendProvider, TProvider>());
        return this;
    }

    private void AddModelOptions(string modelName, Action<ModelOptions>? configure)
    {
        if (Catalog.Contains(modelName))
        {
            if (configure is not null)
            {
                Services.Configure(modelName, configure);
            }

            return;
        }

        var optionsBuilder = Services.AddOptions<ModelOptions>(modelName);
        if (Configuration is not null)
        {
            optionsBuilder.Bind(Configuration.GetSection("Models").GetSection(modelName));
        }

        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
    }
}
