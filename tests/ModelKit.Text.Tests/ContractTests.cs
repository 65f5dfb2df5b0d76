using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Text.Processing;

namespace ModelKit.Text.Tests;

/// <summary>
/// A sentence encoder declared as a contract: ModelKit.Text's steps named in attributes, the client generated (no reflection), the
/// steps resolved from DI (the keyed ones <c>AddTextEmbeddings</c> registers for the model).
/// </summary>
[ModelContract("minilm")]
public partial interface ISentenceEncoder
{
    [Preprocess<BertTokenization>, Postprocess<SentencePooling>]
    ReadOnlyMemory<float> Embed(string text);

    [Preprocess<BertTokenization>, Postprocess<SentencePooling>]
    ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken = default);

    [Preprocess<BertTokenization>, Postprocess<SentencePooling>]
    float[][] EmbedBatch(IReadOnlyList<string> texts);

    [Preprocess<BertTokenization>, Postprocess<SentencePooling>]
    Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedBatchAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}

/// <summary>The generated contract gives the embeddings of <c>AddTextEmbeddings</c>' generator, locally and against a remote endpoint.</summary>
public sealed class ContractTests(MiniLmServer server) : IClassFixture<MiniLmServer>
{
    /// <summary>Mixed lengths (3 to 60+ words, one empty, symbols), so a batch pads to its longest and groups by length.</summary>
    private static readonly string[] Texts = [.. Sentences.Plain.Take(12), "", "Café naïve 😀 snake_case", Sentences.Plain.MaxBy(static s => s.Length)!, "Dogs bark."];

    [Fact]
    public async Task Generated_contract_gives_the_embeddings_of_the_embedding_generator_single_and_batch()
    {
        await using var provider = Local();
        var encoder = provider.GetRequiredService<ISentenceEncoder>();
        var expected = await provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(Texts);

        for (int i = 0; i < Texts.Length; i++)
        {
            AssertSame(expected[i].Vector, encoder.Embed(Texts[i]), Texts[i]);
            AssertSame(expected[i].Vector, await encoder.EmbedAsync(Texts[i]), Texts[i]);
        }

        float[][] batch = encoder.EmbedBatch(Texts);
        var batchAsync = await encoder.EmbedBatchAsync(Texts, CancellationToken.None);
        Assert.Equal(Texts.Length, batch.Length);
        Assert.Equal(Texts.Length, batchAsync.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            AssertSame(expected[i].Vector, batch[i], Texts[i]);
            AssertSame(expected[i].Vector, batchAsync[i], Texts[i]);
        }

        // Unrelated sentences stay apart: the steps are really the model's processing, not a constant.
        Assert.True(EmbeddingHost.Cosine(batch[0], batch[2]) < 0.15f, "unrelated sentences score as related");
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task The_same_contract_switched_to_a_remote_endpoint_by_configuration_gives_the_same_embeddings(string protocol)
    {
        await using var local = Local();
        var expected = local.GetRequiredService<ISentenceEncoder>().EmbedBatch(Texts);

        // Only the model's configuration changes: Endpoint instead of Path. The steps run here; tensors go on the wire.
        var services = new ServiceCollection();
        services.AddModelKit(b => b
            .AddRemote()
            .AddTextEmbeddings("minilm", text => text.VocabularyPath = MiniLmFixture.VocabularyPath, model =>
            {
                model.Endpoint = server.Host.EndpointFor(protocol);
                model.Protocol = protocol;
                model.ApiKey = MiniLmServer.ApiKey;
            })
            .AddModel<ISentenceEncoder>());
        await using var remote = services.BuildServiceProvider();
        var encoder = remote.GetRequiredService<ISentenceEncoder>();

        var batch = await encoder.EmbedBatchAsync(Texts, CancellationToken.None);
        for (int i = 0; i < Texts.Length; i++)
        {
            AssertSame(expected[i], batch[i], Texts[i]);
        }

        AssertSame(expected[^1], encoder.Embed(Texts[^1]), Texts[^1]);
        AssertSame(expected[0], await encoder.EmbedAsync(Texts[0]), Texts[0]);
    }

    [Fact]
    public async Task Steps_resolve_keyed_by_model_name_first_then_unkeyed()
    {
        const string longText = "the quick brown fox jumps over the lazy dog and keeps running far away from the farm";
        const string head = "the quick brown fox jumps over"; // [CLS] + these six tokens + [SEP] = 8 tokens
        var services = new ServiceCollection();
        services.AddSingleton(new BertTokenization(MiniLmFixture.Tokenizer, MiniLmFixture.Options(maxTokens: 8)));
        services.AddSingleton(new SentencePooling(MiniLmFixture.Options()));
        services.AddModelKit(b => b
            .AddOnnxRuntime()
            .AddTextEmbeddings("minilm", configureModel: o => o.Path = MiniLmFixture.ModelPath) // keyed steps, 256 tokens
            .AddModel<ISentenceEncoder>()
            .AddModel<ISentenceEncoder>("minilm-short", o => o.Path = MiniLmFixture.ModelPath)); // no keyed steps: the unkeyed ones
        await using var provider = services.BuildServiceProvider();

        var keyed = provider.GetRequiredKeyedService<ISentenceEncoder>("minilm");
        var unkeyed = provider.GetRequiredKeyedService<ISentenceEncoder>("minilm-short");

        AssertSame(unkeyed.Embed(head), unkeyed.Embed(longText), "truncated to 8 tokens by the unkeyed step");
        AssertSame(keyed.Embed(head), unkeyed.Embed(head), head);
        float full = EmbeddingHost.Cosine(keyed.Embed(longText).Span, unkeyed.Embed(longText).Span);
        Assert.True(full < 0.99f, $"the keyed step (256 tokens) should see the whole text; cosine {full}");
    }

    [Fact]
    public void A_step_missing_from_DI_is_a_clear_error_naming_it_and_how_to_register_it()
    {
        var services = new ServiceCollection();
        services.AddModelKit(b => b.AddOnnxRuntime().AddModel<ISentenceEncoder>(o => o.Path = MiniLmFixture.ModelPath));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ModelKitException>(() => provider.GetRequiredService<ISentenceEncoder>());
        Assert.Contains("ISentenceEncoder.Embed", error.Message, StringComparison.Ordinal);
        Assert.Contains("BertTokenization", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddKeyedSingleton<BertTokenization>(\"minilm\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_services_a_step_only_DI_can_create_is_a_clear_error()
    {
        await using var provider = Local();
        var backend = provider.GetRequiredService<ModelRegistry>().GetBackend("minilm");

        var error = Assert.Throws<ModelKitException>(() => CreateWithoutServices<ISentenceEncoder>(backend));
        Assert.Contains("CreateClient(backend, services)", error.Message, StringComparison.Ordinal);
        Assert.Contains("BertTokenization", error.Message, StringComparison.Ordinal);

        // With the services, the same static factory finds the model's keyed steps.
        var encoder = CreateWithServices<ISentenceEncoder>(backend, provider);
        AssertSame(provider.GetRequiredService<ISentenceEncoder>().Embed("Dogs bark."), encoder.Embed("Dogs bark."), "Dogs bark.");
    }

    private static T CreateWithoutServices<T>(IInferenceBackend backend) where T : class, IModelContract<T> => T.CreateClient(backend);

    private static T CreateWithServices<T>(IInferenceBackend backend, IServiceProvider services) where T : class, IModelContract<T> => T.CreateClient(backend, services);

    private static ServiceProvider Local()
    {
        var services = new ServiceCollection();
        services.AddModelKit(b => b
            .AddOnnxRuntime()
            .AddTextEmbeddings("minilm", configureModel: o => o.Path = MiniLmFixture.ModelPath)
            .AddModel<ISentenceEncoder>());
        return services.BuildServiceProvider();
    }

    private static void AssertSame(ReadOnlyMemory<float> expected, ReadOnlyMemory<float> actual, string text)
    {
        Assert.Equal(expected.Length, actual.Length);
        float cosine = EmbeddingHost.Cosine(expected.Span, actual.Span);
        Assert.True(cosine >= 0.9999f, $"cosine {cosine} for '{text}'");
    }
}
