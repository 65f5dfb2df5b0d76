using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Testing;
using ModelKit.Text.AI;
using OpenAI;

namespace ModelKit.Text.Tests;

/// <summary>A real Kestrel server on loopback serving MiniLM (v2 tensors and /v1/embeddings), with an API key.</summary>
public sealed class MiniLmServer : IAsyncLifetime
{
    public const string ApiKey = "text-tests-key";

    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await TestHost.StartAsync(
        configure: o => o.ApiKeys.Add(ApiKey),
        models: b => b.AddOnnxRuntime().AddTextEmbeddings("minilm", configureModel: o => o.Path = MiniLmFixture.ModelPath));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class RemoteTests(MiniLmServer server, EmbeddingHost local) : IClassFixture<MiniLmServer>, IClassFixture<EmbeddingHost>
{
    private static readonly string[] Texts = ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell today.", "", "Café naïve 😀 snake_case"];

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task Same_contract_against_a_remote_endpoint_gives_the_same_embeddings(string protocol)
    {
        var services = new ServiceCollection();
        services.AddModelKit(b => b.AddRemote().AddTextEmbeddings("minilm",
            text => text.VocabularyPath = MiniLmFixture.VocabularyPath, // processing stays in the client
            model =>
            {
                model.Endpoint = server.Host.EndpointFor(protocol);
                model.Protocol = protocol;
                model.ApiKey = MiniLmServer.ApiKey;
            }));
        await using var provider = services.BuildServiceProvider();
        var remote = await provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(Texts);
        var expected = await local.Generator().GenerateAsync(Texts);
        AssertSame(expected, remote.Select(static e => e.Vector).ToArray());
        Assert.Equal(expected.Usage!.InputTokenCount, remote.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Official_OpenAI_client_and_MEAI_OpenAI_work_against_v1_embeddings()
    {
        var client = new OpenAIClient(new ApiKeyCredential(MiniLmServer.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(server.Host.RestAddress, "v1/") });
        var embeddings = client.GetEmbeddingClient("minilm");
        var result = await embeddings.GenerateEmbeddingsAsync(Texts);
        var expected = await local.Generator().GenerateAsync(Texts);
        AssertSame(expected, result.Value.Select(static e => e.ToFloats()).ToArray());
        Assert.Equal(expected.Usage!.InputTokenCount, result.Value.Usage.InputTokenCount);

        using IEmbeddingGenerator<string, Embedding<float>> meai = embeddings.AsIEmbeddingGenerator();
        var viaMeai = await meai.GenerateAsync(Texts);
        AssertSame(expected, viaMeai.Select(static e => e.Vector).ToArray());
    }

    [Fact]
    public async Task V1_embeddings_float_format_single_string_and_errors()
    {
        using var http = new HttpClient { BaseAddress = server.Host.RestAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", MiniLmServer.ApiKey);

        using var ok = await http.PostAsJsonAsync("v1/embeddings", new { input = "Dogs bark.", model = "minilm", encoding_format = "float" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        var vector = body.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
        Assert.Equal(384, vector.Length);
        Assert.True(EmbeddingHost.Cosine(local.Generator().Operation.Run("Dogs bark.").Vector, vector) >= 0.9999);
        Assert.Equal(5, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        await AssertError(http, """{"input": 42, "model": "minilm"}""", 400, "input");
        await AssertError(http, """{"input": ["ok", 7], "model": "minilm"}""", 400, "input");
        await AssertError(http, """{"input": [], "model": "minilm"}""", 400, "input");
        await AssertError(http, """{"input": "x"}""", 400, "model");
        await AssertError(http, """{"input": "x", "model": "minilm", "encoding_format": "int8"}""", 400, "encoding_format");
        await AssertError(http, """{"input": "x", "model": "minilm", "dimensions": 128}""", 400, "dimensions");
        await AssertError(http, """{"input": "x", "model": "minilm", """, 400, null);
        await AssertError(http, """{"input": "x", "model": "no-such-model"}""", 404, "model");

        using var anonymous = new HttpClient { BaseAddress = server.Host.RestAddress };
        using var denied = await anonymous.PostAsJsonAsync("v1/embeddings", new { input = "x", model = "minilm" });
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    private static async Task AssertError(HttpClient http, string json, int status, string? param)
    {
        using var response = await http.PostAsync("v1/embeddings", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    private static void AssertSame(GeneratedEmbeddings<Embedding<float>> expected, ReadOnlyMemory<float>[] actual)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            float cosine = EmbeddingHost.Cosine(expected[i].Vector.Span, actual[i].Span);
            Assert.True(cosine >= 0.9999, $"text {i}: cosine {cosine}");
        }
    }
}
