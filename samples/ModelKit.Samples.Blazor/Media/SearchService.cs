using ModelKit.Samples.BlazorApp.Digits;
using ModelKit.Samples.Media.Search;

namespace ModelKit.Samples.BlazorApp.Media;

/// <summary>
/// The Search page's index: the sample's 300 template sentences embedded once per location (local, or on the remote server in use)
/// on first search, then each query embedded and ranked.
/// </summary>
public sealed class SearchService(MediaClients clients) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SemanticIndex> _indexes = new(StringComparer.Ordinal);

    /// <summary>The corpus.</summary>
    public IReadOnlyList<CorpusSentence> Sentences { get; } = SentenceCorpus.Generate();

    /// <summary>The <paramref name="top"/> sentences closest to <paramref name="query"/>.</summary>
    /// <exception cref="MediaUnavailableException">The model is missing or the server did not answer.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, InferenceLocation location, CancellationToken cancellationToken)
    {
        try
        {
            var index = await IndexAsync(location, cancellationToken).ConfigureAwait(false);
            return await index.SearchAsync(query, top, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            throw clients.Explain(ex, location);
        }
    }

    private async Task<SemanticIndex> IndexAsync(InferenceLocation location, CancellationToken cancellationToken)
    {
        var generator = clients.Embeddings(location);
        string key = location == InferenceLocation.Local ? "local" : $"remote:{clients.RemoteEndpoint}";
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_indexes.TryGetValue(key, out var index))
            {
                index = await SemanticIndex.BuildAsync(generator, Sentences, cancellationToken).ConfigureAwait(false);
                _indexes[key] = index;
            }

            return index;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Releases the index lock.</summary>
    public void Dispose() => _gate.Dispose();
}
