using Microsoft.Extensions.AI;
using ModelKit.Processing;
using ModelKit.Text.Diagnostics;
using ModelKit.Text.Processing;

namespace ModelKit.Text.AI;

/// <summary>
/// A sentence-embedding model as a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>: texts → tokenization →
/// the model on whatever backend ModelKit configured (ONNX Runtime, remote, dynamically batched) → pooling → embeddings. One call over
/// many texts runs as padded batches grouped by length; <see cref="GeneratedEmbeddings{TEmbedding}.Usage"/> counts the tokens (after
/// truncation, with [CLS] and [SEP]). Composes with MEAI middleware (<c>AsBuilder().UseDistributedCache(…).UseOpenTelemetry().UseLogging()</c>).
/// </summary>
public sealed class ModelKitEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ProcessedOperation<string, TextEmbedding> _operation;
    private readonly Uri? _providerUri;
    private EmbeddingGeneratorMetadata? _metadata;

    /// <summary>Creates the generator over a backend with the given steps.</summary>
    public ModelKitEmbeddingGenerator(IInferenceBackend backend, BertTokenization tokenization, SentencePooling pooling, Uri? providerUri = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ModelId = backend.ModelName;
        _operation = new ProcessedOperation<string, TextEmbedding>(backend, nameof(ModelKitEmbeddingGenerator), "Generate", tokenization, pooling);
        _providerUri = providerUri;
    }

    /// <summary>The model's name.</summary>
    public string ModelId { get; }

    /// <summary>The processed operation the generator runs (for hosts that want the token counts or the steps).</summary>
    public ProcessedOperation<string, TextEmbedding> Operation => _operation;

    /// <summary>The embedding length (found by embedding an empty text once, when first asked).</summary>
    public int Dimensions => (_metadata ??= CreateMetadata()).DefaultModelDimensions ?? 0;

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToArray();
        if (options?.ModelId is { } requested && !string.Equals(requested, ModelId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"This generator runs model '{ModelId}', not '{requested}'.", nameof(options));
        }

        var activity = EmbeddingTelemetry.Start(ModelId, texts.Count);
        try
        {
            var results = await _operation.RunBatchAsync(texts, cancellationToken).ConfigureAwait(false);
            if (options?.Dimensions is int dimensions && results.Length > 0 && dimensions != results[0].Vector.Length)
            {
                throw new ArgumentException($"Model '{ModelId}' produces {results[0].Vector.Length}-dimensional embeddings; {dimensions} dimensions were requested (it was not trained to be truncated).", nameof(options));
            }

            var created = DateTimeOffset.UtcNow;
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(results.Length);
            long tokens = 0;
            foreach (var result in results)
            {
                embeddings.Add(new Embedding<float>(result.Vector) { ModelId = ModelId, CreatedAt = created });
                tokens += result.TokenCount;
            }

            embeddings.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
            EmbeddingTelemetry.Finish(activity, ModelId, tokens, results.Length > 0 ? results[0].Vector.Length : 0, null);
            return embeddings;
        }
        catch (Exception ex)
        {
            EmbeddingTelemetry.Finish(activity, ModelId, 0, 0, ex);
            throw;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata ??= CreateMetadata();
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // The backend (and the runner bound to it) belongs to ModelKit's registry.
    }

    private EmbeddingGeneratorMetadata CreateMetadata()
    {
        int dimensions = _operation.Run(string.Empty).Vector.Length;
        return new EmbeddingGeneratorMetadata("modelkit", _providerUri, ModelId, dimensions);
    }
}
