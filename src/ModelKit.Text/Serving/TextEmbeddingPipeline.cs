using Microsoft.Extensions.AI;
using ModelKit.Processing;
using ModelKit.Text.AI;
using ModelKit.Text.Processing;

namespace ModelKit.Text.Serving;

/// <summary>
/// Serves a sentence-embedding model with its processing as one model (processing kind <c>text-embedding</c>): input
/// <see cref="TextInput"/> BYTES [N] (UTF-8 texts), output <see cref="EmbeddingOutput"/> FP32 [N, dimensions] — tokenization,
/// truncation, the encoder (padded batches grouped by length), pooling and normalization run in the server, exactly as
/// <see cref="ModelKitEmbeddingGenerator"/> runs them in a client. Also an <see cref="IEmbeddingGenerator{String, Embedding}"/>,
/// which a server's <c>/v1/embeddings</c> uses.
/// </summary>
public sealed class TextEmbeddingPipelineBackend : PipelineBackend, IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The texts input's name.</summary>
    public const string TextInput = "text";

    /// <summary>The embeddings output's name.</summary>
    public const string EmbeddingOutput = "embedding";

    private readonly IInferenceBackend _encoder;
    private readonly ModelKitEmbeddingGenerator _generator;
    private readonly TextEmbeddingOptions _options;

    /// <summary>A pipeline over <paramref name="encoder"/> (the network; this backend owns and disposes it) with <paramref name="options"/>.</summary>
    public TextEmbeddingPipelineBackend(string modelName, IInferenceBackend encoder, TextEmbeddingOptions options)
        : base(modelName)
    {
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _generator = new ModelKitEmbeddingGenerator(encoder, new BertTokenization(options), new SentencePooling(options));
        var hidden = encoder.Signature.FindOutput(options.HiddenStateName);
        long dimensions = hidden is { Shape.Length: 3 } && hidden.Shape[2] > 0 ? hidden.Shape[2] : _generator.Dimensions;
        Dimensions = checked((int)dimensions);
        Signature = new ModelSignature(
            [new TensorInfo(TextInput, TensorElementType.String, [-1])],
            [new TensorInfo(EmbeddingOutput, TensorElementType.Float, [-1, dimensions])]);
    }

    /// <summary>The embedding length.</summary>
    public int Dimensions { get; }

    /// <inheritdoc />
    public override ModelSignature Signature { get; }

    /// <inheritdoc />
    public override string Description =>
        $"text-embedding pipeline (WordPiece ≤ {_options.MaxTokens} tokens, {_options.Pooling.ToString().ToLowerInvariant()} pooling{(_options.Normalize ? ", L2-normalized" : string.Empty)}) over {_encoder.Description}";

    /// <inheritdoc />
    protected override string BackendName => "text-embedding";

    /// <inheritdoc />
    protected override async ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
    {
        var texts = inputs[0].Buffer.AsSpan<string>().ToArray();
        var results = await _generator.Operation.RunBatchAsync(texts, cancellationToken).ConfigureAwait(false);
        var embeddings = new float[(long)texts.Length * Dimensions];
        for (int i = 0; i < results.Length; i++)
        {
            var vector = results[i].Vector;
            if (vector.Length != Dimensions)
            {
                throw new ModelExecutionException(ModelName, $"Model '{ModelName}' produced a {vector.Length}-dimensional embedding; its signature says {Dimensions}.");
            }

            vector.CopyTo(embeddings.AsSpan(i * Dimensions));
        }

        return [TensorValue.Create(embeddings, texts.Length, Dimensions)];
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.ModelId is { } requested && string.Equals(requested, ModelName, StringComparison.Ordinal))
        {
            options = options.Clone();
            options.ModelId = null;
        }

        return _generator.GenerateAsync(values, options, cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _generator.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Creates <see cref="TextEmbeddingPipelineBackend"/>s for models whose <see cref="ModelOptions.Processing"/> kind is
/// <c>text-embedding</c>; <see cref="ModelOptions.Path"/> is the model's folder (a repository version folder). Settings (all optional):
/// <c>model</c> (default <c>model.onnx</c>), <c>vocabulary</c> (default <c>vocab.txt</c>), <c>max_tokens</c> (256), <c>pooling</c>
/// (<c>mean</c> | <c>cls</c>), <c>normalize</c> (true), <c>lowercase</c> (true). The network is loaded through the registered providers
/// (ONNX Runtime) with the model's other options (threads, execution providers, <c>Batching</c>).
/// </summary>
public sealed class TextEmbeddingPipelineProvider() : PipelineBackendProvider<TextEmbeddingPipelineBackend>(Kind)
{
    /// <summary>The processing kind this provider serves.</summary>
    public const string Kind = "text-embedding";

    /// <inheritdoc />
    protected override TextEmbeddingPipelineBackend Build(PipelineBuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = new TextEmbeddingOptions
        {
            VocabularyPath = context.RequireFile("vocabulary", "vocab.txt"),
            MaxTokens = context.Int("max_tokens", 256, 3, 8192),
            Normalize = context.Bool("normalize", true),
            Pooling = (context.Get("pooling") ?? "mean").ToLowerInvariant() switch
            {
                "mean" => PoolingMode.Mean,
                "cls" => PoolingMode.Cls,
                var other => throw new ModelLoadException(context.ModelName, $"processing.pooling '{other}' is not one of mean, cls."),
            },
        };
        text.Tokenizer.Lowercase = context.Bool("lowercase", text.Tokenizer.Lowercase);
        var encoder = context.LoadNetwork(context.RequireFile("model", "model.onnx"));
        return new TextEmbeddingPipelineBackend(context.ModelName, encoder, text);
    }
}

/// <summary>Registers the <c>text-embedding</c> pipeline provider.</summary>
public static class TextPipelineModelKitBuilderExtensions
{
    /// <summary>
    /// Serves models configured with processing kind <c>text-embedding</c> (e.g. a repository's pulled <c>minilm</c>) as pipelines:
    /// BYTES text in, embeddings out (<see cref="TextEmbeddingPipelineBackend"/>).
    /// </summary>
    public static ModelKitBuilder AddTextEmbeddingPipelines(this ModelKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddBackendProvider<TextEmbeddingPipelineProvider>();
    }
}
