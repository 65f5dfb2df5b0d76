using Microsoft.Extensions.DependencyInjection;

namespace ModelKit;

/// <summary>
/// The backend provider of one <see cref="ProcessingOptions.Kind"/>: serves local models whose processing names that kind
/// (<see cref="ModelOptions.Path"/> is then the pipeline's folder), hands <see cref="Build"/> a <see cref="PipelineBuildContext"/> (the
/// folder's files, typed settings, the networks loaded through the registered providers) and disposes every network loaded when
/// building fails. A pipeline kind is this class, its <see cref="PipelineBackend"/> and one registration line.
/// </summary>
/// <typeparam name="TPipeline">The pipeline the provider builds.</typeparam>
public abstract class PipelineBackendProvider<TPipeline> : IInferenceBackendProvider
    where TPipeline : PipelineBackend
{
    /// <summary>A provider for the processing kind <paramref name="kind"/>.</summary>
    protected PipelineBackendProvider(string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        Name = kind;
    }

    /// <summary>The processing kind served (also the provider's name).</summary>
    public string Name { get; }

    /// <inheritdoc />
    public bool CanCreate(ModelOptions options) => options is { IsLocal: true, Processing: { } processing } && processing.Is(Name);

    /// <inheritdoc />
    public IInferenceBackend Create(string modelName, ModelOptions options, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var context = new PipelineBuildContext(modelName, options, services);
        try
        {
            return Build(context);
        }
        catch
        {
            context.DisposeNetworks();
            throw;
        }
    }

    /// <summary>
    /// Builds the pipeline from <paramref name="context"/>: read the settings and files, load the networks with
    /// <see cref="PipelineBuildContext.LoadNetwork"/> (the pipeline owns them once built; if building throws, they are disposed here).
    /// </summary>
    /// <exception cref="ModelLoadException">A file is missing or a setting is invalid.</exception>
    protected abstract TPipeline Build(PipelineBuildContext context);
}

/// <summary>What a <see cref="PipelineBackendProvider{TPipeline}"/> builds a pipeline from: the model, its folder and settings, and its networks.</summary>
public sealed class PipelineBuildContext
{
    private readonly List<IInferenceBackend> _networks = [];

    internal PipelineBuildContext(string modelName, ModelOptions options, IServiceProvider services)
    {
        ModelName = modelName;
        Options = options;
        Services = services;
        Processing = options.Processing ?? throw new ModelLoadException(modelName, "The model has no processing options.");
        Folder = PipelineFiles.Folder(options);
    }

    /// <summary>The model's name.</summary>
    public string ModelName { get; }

    /// <summary>The model's options.</summary>
    public ModelOptions Options { get; }

    /// <summary>The model's processing options (kind and settings).</summary>
    public ProcessingOptions Processing { get; }

    /// <summary>The pipeline's folder (see <see cref="PipelineFiles.Folder"/>).</summary>
    public string Folder { get; }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The setting <paramref name="key"/>, or null.</summary>
    public string? Get(string key) => Processing.Get(key);

    /// <summary>
    /// The full path of the file that setting <paramref name="key"/> names (or <paramref name="defaultFile"/>) in the folder; throws
    /// <see cref="ModelLoadException"/> when it is missing or outside the folder.
    /// </summary>
    public string RequireFile(string key, string defaultFile) => PipelineFiles.Require(ModelName, Folder, Processing.Get(key) ?? defaultFile, key);

    /// <summary>An integer setting in [<paramref name="min"/>, <paramref name="max"/>], or <paramref name="fallback"/>.</summary>
    public int Int(string key, int fallback, int min, int max) => PipelineFiles.Int(ModelName, Processing, key, fallback, min, max);

    /// <summary>A boolean setting, or <paramref name="fallback"/>.</summary>
    public bool Bool(string key, bool fallback) => PipelineFiles.Bool(ModelName, Processing, key, fallback);

    /// <summary>
    /// Loads the network in <paramref name="path"/> through the registered providers (ONNX Runtime) with the model's runtime options
    /// (<see cref="PipelineFiles.NetworkOptions"/>). The pipeline built owns it; if building fails, the provider disposes it.
    /// </summary>
    public IInferenceBackend LoadNetwork(string path)
    {
        var network = Services.GetRequiredService<ModelRegistry>().CreateBackend(ModelName, PipelineFiles.NetworkOptions(Options, path));
        _networks.Add(network);
        return network;
    }

    internal void DisposeNetworks()
    {
        foreach (var network in _networks)
        {
            network.Dispose();
        }

        _networks.Clear();
    }
}
