using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelKit.Testing;

namespace ModelKit.Text.Tests;

/// <summary>The commands a user types: <c>modelkit pull minilm &lt;repo&gt;</c>, then <c>modelkit serve &lt;repo&gt;</c>, as real processes.</summary>
public sealed class CliPullServeTests(EmbeddingHost local) : IClassFixture<EmbeddingHost>
{
    [Fact]
    public async Task Pull_minilm_then_serve_answers_v2_text_and_v1_embeddings()
    {
        using var server = await PulledServer.StartAsync("minilm", Path.Combine("minilm", "1", "model.onnx"));
        var http = server.Http;

        var (unknown, unknownOutput) = await ServeProcess.RunAsync(["pull", "no-such-model", server.Repository], PulledServer.Timeout);
        Assert.Equal(1, unknown);
        Assert.Contains("No model source is named 'no-such-model'. Known: minilm, paddleocr", unknownOutput); // then any later sources, by name

        string[] texts = ["A man is playing a guitar.", "The stock market fell today."];
        using var infer = await http.PostAsJsonAsync("v2/models/minilm/infer", new { inputs = new[] { new { name = "text", shape = new[] { texts.Length }, datatype = "BYTES", data = texts } } });
        Assert.Equal(HttpStatusCode.OK, infer.StatusCode);
        using var inferBody = JsonDocument.Parse(await infer.Content.ReadAsStringAsync());
        var data = inferBody.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
        Assert.Equal(texts.Length * 384, data.Length);

        using var openAi = await http.PostAsJsonAsync("v1/embeddings", new { model = "minilm", input = texts });
        Assert.Equal(HttpStatusCode.OK, openAi.StatusCode);
        using var openAiBody = JsonDocument.Parse(await openAi.Content.ReadAsStringAsync());
        for (int i = 0; i < texts.Length; i++)
        {
            var expected = local.Generator().Operation.Run(texts[i]).Vector;
            Assert.True(EmbeddingHost.Cosine(expected, data.AsSpan(i * 384, 384)) >= 0.9999, $"v2 text {i}");
            var viaOpenAi = openAiBody.RootElement.GetProperty("data")[i].GetProperty("embedding").EnumerateArray().Select(static v => v.GetSingle()).ToArray();
            Assert.True(EmbeddingHost.Cosine(expected, viaOpenAi) >= 0.9999, $"/v1/embeddings text {i}");
        }
    }
}
