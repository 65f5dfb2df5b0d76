using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Processing;

/// <summary>
/// How generated clients find the processing steps a contract method names with <see cref="PreprocessAttribute{TStep}"/> and
/// <see cref="PostprocessAttribute{TStep}"/>: from dependency injection, keyed by the model's name first, then unkeyed, then — only
/// when the step has a parameterless constructor the generator could see — a new instance. No reflection.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProcessingSteps
{
    /// <summary>
    /// Resolves step <typeparamref name="TStep"/> for <paramref name="operation"/> of model <paramref name="modelName"/>; throws
    /// <see cref="ModelKitException"/> naming the step, the operation and how to register it when it cannot be found.
    /// </summary>
    /// <typeparam name="TStep">The step type named in the contract.</typeparam>
    /// <param name="services">The application's services, or null when the client was created without them.</param>
    /// <param name="modelName">The model's name: the key the step is looked up under first.</param>
    /// <param name="operation">The contract operation, e.g. <c>ISentenceEncoder.Embed</c>, for the error message.</param>
    /// <param name="role">The attribute that names the step (<c>Preprocess</c> or <c>Postprocess</c>), for the error message.</param>
    /// <param name="create">Creates the step when no registration is found (generated for steps with a parameterless constructor); null otherwise.</param>
    public static TStep Resolve<TStep>(IServiceProvider? services, string modelName, string operation, string role, Func<TStep>? create)
        where TStep : class
    {
        ArgumentNullException.ThrowIfNull(modelName);
        if (services is IKeyedServiceProvider keyed && keyed.GetKeyedService(typeof(TStep), modelName) is TStep byModel)
        {
            return byModel;
        }

        if (services?.GetService(typeof(TStep)) is TStep shared)
        {
            return shared;
        }

        if (create is not null)
        {
            return create();
        }

        string name = typeof(TStep).Name;
        string where = services is null
            ? "the client was created without services (CreateClient(backend)), and the step has no parameterless constructor; create the client through AddModelKit(…AddModel<TContract>()) or CreateClient(backend, services)"
            : $"it is not registered; register it with services.AddKeyedSingleton<{name}>(\"{modelName}\", …) for this model, or services.AddSingleton<{name}>(…) for every model (ModelKit.Text's AddTextEmbeddings registers its steps this way)";
        throw new ModelKitException($"{operation} (model '{modelName}'): the step {name} named by [{role}<{name}>] cannot be resolved: {where}.");
    }
}
