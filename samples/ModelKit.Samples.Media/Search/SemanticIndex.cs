using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace ModelKit.Samples.Media.Search;

/// <summary>One search result: its rank (1 = best), the sentence and its cosine similarity to the query.</summary>
public sealed record SearchHit(int Rank, CorpusSentence Sentence, float Score);

/// <summary>
/// Semantic search over a small corpus: every sentence embedded once through an <see cref="IEmbeddingGenerator{String, Embedding}"/>
/// (ModelKit's, local or remote — or any other), then each query embedded and the sentences ranked by cosine similarity. The
/// embeddings are unit length (all-MiniLM-L6-v2's recipe normalizes them), so the cosine is a dot product; vectors that are not
/// are normalized here.
/// </summary>
public sealed class SemanticIndex
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly float[][] _vectors;

    private SemanticIndex(IEmbeddingGenerator<string, Embedding<float>> generator, IReadOnlyList<CorpusSentence> sentences, float[][] vectors, long tokens)
    {
        _generator = generator;
        Sentences = sentences;
        _vectors = vectors;
        TokenCount = tokens;
    }

    /// <summary>The indexed sentences.</summary>
    public IReadOnlyList<CorpusSentence> Sentences { get; }

    /// <summary>The tokens the corpus cost to embed (the generator's usage), when it reports them.</summary>
    public long TokenCount { get; }

    /// <summary>The embeddings' length.</summary>
    public int Dimensions => _vectors.Length == 0 ? 0 : _vectors[0].Length;

    /// <summary>Embeds <paramref name="sentences"/> (in one call: ModelKit's generator batches them by length).</summary>
    public static async Task<SemanticIndex> BuildAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator, IReadOnlyList<CorpusSentence> sentences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(sentences);
        var embeddings = await generator.GenerateAsync(sentences.Select(static s => s.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embeddings.Count != sentences.Count)
        {
            throw new InvalidOperationException($"The generator returned {embeddings.Count} embeddings for {sentences.Count} sentences.");
        }

        var vectors = embeddings.Select(static e => Normalized(e.Vector.Span)).ToArray();
        return new SemanticIndex(generator, sentences, vectors, embeddings.Usage?.InputTokenCount ?? 0);
    }

    /// <summary>The <paramref name="top"/> sentences closest to <paramref name="query"/>, best first.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top = 5, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var embedding = await _generator.GenerateAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Rank(Normalized(embedding.Vector.Span), top);
    }

    /// <summary>The <paramref name="top"/> sentences closest to a unit-length query vector, best first.</summary>
    public IReadOnlyList<SearchHit> Rank(ReadOnlySpan<float> query, int top)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; the index has {Dimensions}.", nameof(query));
        }

        var scores = new float[_vectors.Length];
        for (int i = 0; i < _vectors.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(query, _vectors[i]);
        }

        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(static i => i).Take(top);
        return order.Select((index, rank) => new SearchHit(rank + 1, Sentences[index], scores[index])).ToArray();
    }

    private static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        float norm = TensorPrimitives.Norm(copy);
        if (norm > 0 && MathF.Abs(norm - 1f) > 1e-4f)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }
}
