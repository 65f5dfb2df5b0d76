using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelKit.Remote;

namespace ModelKit.Text.Tests;

/// <summary>
/// <see cref="TextEmbeddingOptions"/>' annotations are checked by the source-generated validator (no reflection, so trimmed and
/// native AOT apps keep the checks): every broken rule is reported, by member, when the options are first read.
/// </summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void Missing_vocabulary_and_out_of_range_max_tokens_are_both_reported()
    {
        var services = new ServiceCollection();
        services.AddModelKit(b => b
            .AddRemote()
            .AddTextEmbeddings("minilm", text => text.MaxTokens = 2, model => model.Endpoint = "http://127.0.0.1:9"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<TextEmbeddingOptions>>().Get("minilm"));
        Assert.Contains(error.Failures, static f => f.Contains(nameof(TextEmbeddingOptions.VocabularyPath), StringComparison.Ordinal));
        Assert.Contains(error.Failures, static f => f.Contains(nameof(TextEmbeddingOptions.MaxTokens), StringComparison.Ordinal));
    }

    [Fact]
    public void Valid_options_pass()
    {
        string vocabulary = Path.GetTempFileName();
        try
        {
            var services = new ServiceCollection();
            services.AddModelKit(b => b
                .AddRemote()
                .AddTextEmbeddings("minilm", text => text.VocabularyPath = vocabulary, model => model.Endpoint = "http://127.0.0.1:9"));
            using var provider = services.BuildServiceProvider();

            var options = provider.GetRequiredService<IOptionsMonitor<TextEmbeddingOptions>>().Get("minilm");
            Assert.Equal(vocabulary, options.VocabularyPath);
            Assert.Equal(256, options.MaxTokens);
        }
        finally
        {
            File.Delete(vocabulary);
        }
    }
}
