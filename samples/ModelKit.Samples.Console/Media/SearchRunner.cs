using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Samples.Media.Hosting;
using ModelKit.Samples.Media.Search;

namespace ModelKit.Samples.ConsoleApp.Media;

/// <summary>
/// <c>search</c>: writes a corpus of sentences from templates (or reads the user's), embeds it with all-MiniLM-L6-v2 through
/// ModelKit's <see cref="IEmbeddingGenerator{String, Embedding}"/> and prints the sentences closest to each query with their scores.
/// </summary>
internal sealed class SearchRunner(MediaOptions options, TextWriter output)
{
    public async Task<int> RunAsync(IReadOnlyList<string> queries, int top, int sentenceCount, string? corpusPath, CancellationToken cancellationToken)
    {
        var sentences = LoadCorpus(sentenceCount, corpusPath);
        var files = await MediaModels.EnsureMiniLmAsync(cancellationToken).ConfigureAwait(false);
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddSentenceEmbeddings(files, options.Placement));
        await using var provider = services.BuildServiceProvider();
        var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        output.WriteLine($"Semantic search: all-MiniLM-L6-v2 (model '{MediaModels.TextModelName}'), {options.Placement}");

        long start = Stopwatch.GetTimestamp();
        var index = await SemanticIndex.BuildAsync(generator, sentences, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"  embedded {index.Sentences.Count:N0} sentences in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s ({index.TokenCount:N0} tokens, {index.Dimensions} dimensions)");

        foreach (string query in queries)
        {
            output.WriteLine();
            start = Stopwatch.GetTimestamp();
            var hits = await index.SearchAsync(query, top, cancellationToken).ConfigureAwait(false);
            output.WriteLine($"Query: \"{query}\" ({Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} ms)");
            int topicWidth = hits.Max(static h => h.Sentence.Topic.Length) + 2;
            foreach (var hit in hits)
            {
                output.WriteLine($"  {hit.Rank,2}. {hit.Score,6:F3}  {("[" + hit.Sentence.Topic + "]").PadRight(topicWidth)} {hit.Sentence.Text}");
            }
        }

        return 0;
    }

    private IReadOnlyList<CorpusSentence> LoadCorpus(int sentenceCount, string? corpusPath)
    {
        if (corpusPath is not null)
        {
            var lines = File.ReadAllLines(corpusPath).Where(static l => !string.IsNullOrWhiteSpace(l)).ToArray();
            if (lines.Length == 0)
            {
                throw new InvalidOperationException($"'{corpusPath}' has no sentences (one a line).");
            }

            output.WriteLine($"Corpus: {lines.Length:N0} sentences from {Path.GetFullPath(corpusPath)}");
            return lines.Select(static (l, i) => l.Split('\t') is [var topic, var text] ? new CorpusSentence(i, topic, text) : new CorpusSentence(i, "file", l)).ToArray();
        }

        var sentences = SentenceCorpus.Generate(sentenceCount);
        string path = Path.Combine(options.OutputFolder, "search-corpus.txt");
        SentenceCorpus.Write(sentences, path);
        output.WriteLine($"Corpus: {sentences.Count:N0} sentences on {SentenceCorpus.TopicNames.Count} topics written from templates to {path}");
        return sentences;
    }
}
