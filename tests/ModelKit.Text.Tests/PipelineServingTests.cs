using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.Models;
using ModelKit.Onnx;
using ModelKit.Protocol.Grpc;
using ModelKit.Remote;
using ModelKit.Testing;
using ModelKit.Text.Serving;
using OpenAI;

namespace ModelKit.Text.Tests;

/// <summary>
/// <c>modelkit pull minilm</c> as the CLI runs it (<see cref="ModelSourceCatalog"/> → <see cref="MiniLmSource.PullAsync"/>) into a temporary
/// repository, served by a real Kestrel server with the text-embedding pipeline provider, with an API key.
/// </summary>
public sealed class PulledMiniLmServer : IAsyncLifetime
{
    public const string ApiKey = "pipeline-key";

    private readonly TempRepository _repository = new();

    public TestHost Host { get; private set; } = null!;

    public string Repository => _repository.Root;

    public IReadOnlyList<string> Pulled { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var catalog = ModelSourceCatalog.CreateDefault(new ModelSourceContext(nuget: new NuGetPackages(SharedData.RepoRoot)));
        Pulled = await catalog.Get("minilm").PullAsync(_repository.Root);
        Host = await TestHost.StartAsync(
            configure: o =>
            {
                o.RepositoryPath = _repository.Root;
                o.ApiKeys.Add(ApiKey);
                o.WarmupRuns = 0;
            },
            models: b => b.AddOnnxRuntime().AddTextEmbeddingPipelines());
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}

public sealed class PipelineServingTests(PulledMiniLmServer server, EmbeddingHost local) : IClassFixture<PulledMiniLmServer>, IClassFixture<EmbeddingHost>
{
    private static readonly string[] Texts = ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell today.", "", "Café naïve 😀 snake_case"];

    [Fact]
    public void Pull_writes_a_servable_folder_naming_its_processing()
    {
        string folder = Assert.Single(server.Pulled);
        Assert.Equal(Path.Combine(server.Repository, "minilm"), folder);
        Assert.True(File.Exists(Path.Combine(folder, "1", "model.onnx")));
        Assert.Equal(30_522, File.ReadAllLines(Path.Combine(folder, "1", "vocab.txt")).Length);
        var processing = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!["processing"]!;
        Assert.Equal("text-embedding", (string?)processing["kind"]);
        Assert.Equal("vocab.txt", (string?)processing["vocabulary"]);
    }

    [Fact]
    public void Unknown_source_names_the_known_ones()
    {
        var error = Assert.Throws<ModelSourceException>(() => ModelSourceCatalog.CreateDefault().Get("bert-large"));
        Assert.Contains("'bert-large'", error.Message);
        Assert.Contains("minilm", error.Message);
        Assert.Contains("paddleocr", error.Message);
    }

    [Fact]
    public async Task Metadata_describes_the_pipelines_bytes_input_and_fp32_output()
    {
        using var request = Authorized(HttpMethod.Get, "v2/models/minilm");
        using var response = await server.Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var input = Assert.Single(body.RootElement.GetProperty("inputs").EnumerateArray());
        Assert.Equal("text", input.GetProperty("name").GetString());
        Assert.Equal("BYTES", input.GetProperty("datatype").GetString());
        Assert.Equal("[-1]", input.GetProperty("shape").GetRawText());
        var output = Assert.Single(body.RootElement.GetProperty("outputs").EnumerateArray());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal("[-1,384]", output.GetProperty("shape").GetRawText());
    }

    [Theory]
    [InlineData("rest-json")]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task V2_bytes_text_in_gives_the_local_embeddings(string protocol)
    {
        var services = new ServiceCollection();
        services.AddModelKit(b => b.AddRemote().AddModel("minilm", o =>
        {
            o.Endpoint = server.Host.EndpointFor(protocol);
            o.Protocol = protocol;
            o.ApiKey = PulledMiniLmServer.ApiKey;
        }));
        await using var provider = services.BuildServiceProvider();
        var backend = provider.GetRequiredService<ModelRegistry>().GetBackend("minilm");
        var operation = new OperationDescriptor(nameof(PipelineServingTests), "Embed",
            [new TensorDescriptor("text", TensorElementType.String, [-1], "texts")],
            [new TensorDescriptor("embedding", TensorElementType.Float, [-1, 384], "embeddings")]);
        using var runner = backend.Bind(operation);
        var expected = await local.Generator().GenerateAsync(Texts);

        foreach (var texts in new[] { Texts, [Texts[0]] })
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, TensorValue.Create(texts, texts.Length));
                await runner.RunAsync(call);
                Assert.Equal([texts.Length, 384L], call.Outputs[0].Shape);
                var embeddings = call.GetArray<float>(0);
                for (int i = 0; i < texts.Length; i++)
                {
                    float cosine = EmbeddingHost.Cosine(expected[i].Vector.Span, embeddings.AsSpan(i * 384, 384));
                    Assert.True(cosine >= 0.9999, $"{protocol}, text {i}: cosine {cosine}");
                }
            }
            finally
            {
                runner.Return(call);
            }
        }
    }

    [Fact]
    public async Task Official_OpenAI_client_gets_the_pulled_models_embeddings_from_v1_embeddings()
    {
        var client = new OpenAIClient(new ApiKeyCredential(PulledMiniLmServer.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(server.Host.RestAddress, "v1/") });
        var result = await client.GetEmbeddingClient("minilm").GenerateEmbeddingsAsync(Texts);
        var expected = await local.Generator().GenerateAsync(Texts);
        Assert.Equal(Texts.Length, result.Value.Count);
        for (int i = 0; i < Texts.Length; i++)
        {
            float cosine = EmbeddingHost.Cosine(expected[i].Vector.Span, result.Value[i].ToFloats().Span);
            Assert.True(cosine >= 0.9999, $"text {i}: cosine {cosine}");
        }

        Assert.Equal(expected.Usage!.InputTokenCount, result.Value.Usage.InputTokenCount);

        var anonymous = new OpenAIClient(new ApiKeyCredential("wrong-key"), new OpenAIClientOptions { Endpoint = new Uri(server.Host.RestAddress, "v1/") });
        var denied = await Assert.ThrowsAsync<ClientResultException>(() => anonymous.GetEmbeddingClient("minilm").GenerateEmbeddingsAsync(["x"]));
        Assert.Equal(401, denied.Status);
    }

    [Fact]
    public async Task Wrong_types_get_400_with_the_protocols_error_body()
    {
        foreach (var (json, expected) in new[]
        {
            ("""{"inputs":[{"name":"text","shape":[2],"datatype":"FP32","data":[1,2]}]}""", "BYTES"),
            ("""{"inputs":[{"name":"text","shape":[1,1],"datatype":"BYTES","data":["a"]}]}""", "shape"),
            ("""{"inputs":[{"name":"tokens","shape":[1],"datatype":"BYTES","data":["a"]}]}""", "tokens"),
        })
        {
            using var request = Authorized(HttpMethod.Post, "v2/models/minilm/infer");
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var response = await server.Host.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains(expected, body.RootElement.GetProperty("error").GetString());
        }

        var message = new ModelInferRequest { ModelName = "minilm" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "text", Datatype = "INT64", Shape = { 1 }, Contents = new InferTensorContents { Int64Contents = { 7 } } };
        message.Inputs.Add(tensor);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Host.Grpc.ModelInferAsync(message, new Metadata { { "authorization", "Bearer " + PulledMiniLmServer.ApiKey } }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);

        using var openAi = Authorized(HttpMethod.Post, "v1/embeddings");
        openAi.Content = new StringContent("""{"model":"minilm","input":[1,2]}""", Encoding.UTF8, "application/json");
        using var openAiResponse = await server.Host.Http.SendAsync(openAi);
        Assert.Equal(HttpStatusCode.BadRequest, openAiResponse.StatusCode);
        using var openAiBody = JsonDocument.Parse(await openAiResponse.Content.ReadAsStringAsync());
        Assert.Equal("input", openAiBody.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_pipeline_reloads_through_the_repository_api_like_an_onnx_model()
    {
        using (var load = Authorized(HttpMethod.Post, "v2/repository/models/minilm/load"))
        using (var loaded = await server.Host.Http.SendAsync(load))
        {
            Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        }

        using var request = Authorized(HttpMethod.Post, "v2/models/minilm/versions/1/infer");
        request.Content = new StringContent("""{"inputs":[{"name":"text","shape":[1],"datatype":"BYTES","data":["Dogs bark."]}]}""", Encoding.UTF8, "application/json");
        using var response = await server.Host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var vector = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
        Assert.True(EmbeddingHost.Cosine(local.Generator().Operation.Run("Dogs bark.").Vector, vector) >= 0.9999);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", PulledMiniLmServer.ApiKey);
        return request;
    }
}
