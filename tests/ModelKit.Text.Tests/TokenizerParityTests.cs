using System.Text.Json;

namespace ModelKit.Text.Tests;

/// <summary>
/// Token ids against Hugging Face's own tokenizer: Reference/hf-token-ids.json was produced by Hugging Face's JavaScript port
/// (npm @huggingface/transformers 3.8.1) with all-MiniLM-L6-v2's tokenizer configuration and the package's vocab.txt
/// (Reference/make-hf-token-ids.mjs says how to rerun it). This project runs in globalization-invariant mode, as the CLI does.
/// </summary>
public sealed class TokenizerParityTests
{
    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Reference.Value.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static readonly Lazy<(string Text, int[] Ids)[]> Reference = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reference", "hf-token-ids.json")));
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(static i => i.GetInt32()).ToArray()))
            .ToArray();
    });

    /// <summary>
    /// Where the JavaScript port itself differs from Hugging Face's Rust <c>tokenizers</c> (what sentence-transformers runs): JavaScript's
    /// <c>toLowerCase</c> applies Unicode's context-sensitive final sigma (Σ at a word's end → ς), while <c>tokenizers</c> lower-cases
    /// char by char (<c>NormalizedString::lowercase</c>: <c>c.to_lowercase()</c>, Σ → σ always). We follow Rust; the expected tokens
    /// below are the JavaScript ids with ς replaced by σ.
    /// </summary>
    private static readonly Dictionary<string, string> RustBehaviour = new(StringComparer.Ordinal)
    {
        ["Ωmega ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ"] = "[CLS] ω ##me ##ga σ ##ι ##σ ##υ ##φ ##ο ##σ ο ##δ ##υ ##σ ##σ ##ε ##υ ##σ [SEP]",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Token_ids_equal_hugging_face(int index)
    {
        var (text, expected) = Reference.Value[index];
        var actual = MiniLmFixture.Tokenizer.EncodeToIds(text);
        if (RustBehaviour.TryGetValue(text, out var rustTokens))
        {
            Assert.NotEqual(Render(expected), rustTokens); // the divergence is real in the recorded data
            Assert.Equal(rustTokens, Render(actual));
            return;
        }

        Assert.True(expected.SequenceEqual(actual),
            $"Text: {text}\nHF:   {Render(expected)}\nOurs: {Render(actual)}");
    }

    [Fact]
    public void Reference_covers_the_cases_Microsoft_ML_Tokenizers_gets_wrong()
    {
        var texts = Reference.Value.Select(static c => c.Text).ToArray();
        Assert.Contains(texts, static t => t.Contains('€') && t.Contains('£') && t.Contains('°') && t.Contains('≈'));
        Assert.Contains(texts, static t => t.Contains("😀", StringComparison.Ordinal));
        Assert.Contains(texts, static t => t.Contains("snake_case", StringComparison.Ordinal));
        Assert.Contains(texts, static t => t.Contains("Café", StringComparison.Ordinal));
        Assert.Contains(texts, static t => !t.Any(char.IsLower) && t.Length > 20);
        int unknown = MiniLmFixture.Tokenizer.UnknownId;
        Assert.Contains(Reference.Value, c => c.Text.Contains("😀", StringComparison.Ordinal) && c.Ids.Contains(unknown));
    }

    [Fact]
    public void Truncation_keeps_the_head_and_stops_early()
    {
        string text = string.Join(' ', Enumerable.Repeat("alpha beta gamma delta", 2500)); // 10,000 words
        Span<long> ids = new long[256];
        int count = MiniLmFixture.Tokenizer.Encode(text, ids, out bool truncated);
        Assert.True(truncated);
        Assert.Equal(256, count);
        var full = MiniLmFixture.Tokenizer.EncodeToIds(text);
        Assert.Equal(full.Take(255).Select(static i => (long)i), ids[..255].ToArray());
        Assert.Equal(MiniLmFixture.Tokenizer.SeparatorId, ids[255]);
    }

    private static string Render(int[] ids) => string.Join(' ', ids.Select(i => MiniLmFixture.Tokenizer.TokenOf(i)));
}
