using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelKit.Text.AI;
using ModelKit.Text.Processing;

namespace ModelKit.Text;

/// <summary>Registers sentence-embedding models with ModelKit.</summary>
public static class TextModelKitBuilderExtensions
{
    /// <summary>
    /// Registers a sentence-embedding model under <paramref name="modelName"/>: the model itself (configured like any ModelKit model:
    /// <c>Path</c> for ONNX Runtime, <c>Endpoint</c> for a remote server, <c>Batching</c> for dynamic batching), its processing steps
    /// <see cref="BertTokenization"/> and <see cref="SentencePooling"/> as keyed singletons (so contracts naming them with
    /// <c>[Preprocess&lt;BertTokenization&gt;]</c> / <c>[Postprocess&lt;SentencePooling&gt;]</c> get this model's), and an
    /// <see cref="IEmbeddingGenerator{String, Embedding}"/> keyed by the model name (and unkeyed for the first one registered).
    /// </summary>
    /// <remarks>
    /// Text options bind from configuration section <c>ModelKit:Models:&lt;name&gt;:Text</c> when the builder has configuration.
    /// <see cref="TextEmbeddingOptions.VocabularyPath"/> defaults to <c>vocab.txt</c> beside a local model's file.
    /// </remarks>
    public static ModelKitBuilder AddTextEmbeddings(this ModelKitBuilder builder, string modelName, Action<TextEmbeddingOptions>? configureText = null, Action<ModelOptions>? configureModel = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        builder.AddModel(modelName, configureModel);
        var options = builder.Services.AddOptions<TextEmbeddingOptions>(modelName);
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection("Models").GetSection(modelName).GetSection("Text"));
        }

        if (configureText is not null)
        {
            options.Configure(configureText);
        }

        options.PostConfigure<IOptionsMonitor<ModelOptions>>((text, models) =>
        {
            var model = models.Get(modelName);
            if (string.IsNullOrWhiteSpace(text.VocabularyPath) && model.IsLocal)
            {
                text.VocabularyPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(model.Path!))!, "vocab.txt");
            }
        });
        options.Validate(static o => o.VocabularyPath is null || File.Exists(o.VocabularyPath), "TextEmbeddingOptions.VocabularyPath names a file that does not exist.");
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TextEmbeddingOptions>, TextEmbeddingOptionsValidator>());

        builder.Services.AddKeyedSingleton<BertTokenization>(modelName, static (sp, key) => new BertTokenization(Text(sp, key)));
        builder.Services.AddKeyedSingleton<SentencePooling>(modelName, static (sp, key) => new SentencePooling(Text(sp, key)));
        builder.Services.AddKeyedSingleton<ModelKitEmbeddingGenerator>(modelName, static (sp, key) => new ModelKitEmbeddingGenerator(
            sp.GetRequiredService<ModelRegistry>().GetBackend((string)key!),
            sp.GetRequiredKeyedService<BertTokenization>(key),
            sp.GetRequiredKeyedService<SentencePooling>(key),
            ProviderUri(sp, (string)key!)));
        builder.Services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(modelName, static (sp, key) => sp.GetRequiredKeyedService<ModelKitEmbeddingGenerator>(key));
        builder.Services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => sp.GetRequiredKeyedService<ModelKitEmbeddingGenerator>(modelName));
        return builder;
    }

    private static TextEmbeddingOptions Text(IServiceProvider services, object? key) =>
        services.GetRequiredService<IOptionsMonitor<TextEmbeddingOptions>>().Get((string)key!);

    private static Uri? ProviderUri(IServiceProvider services, string modelName)
    {
        var model = services.GetRequiredService<ModelRegistry>().GetOptions(modelName);
        return model.IsRemote && Uri.TryCreate(model.Endpoint, UriKind.Absolute, out var uri) ? uri : null;
    }
}
