using System.Text;
using System.Text.Json;
using Google.Protobuf;
using ModelKit.Binding;
using ModelKit.Protocol.Grpc;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Remote.Tests.Conformance;

/// <summary>
/// The real remote client against what Triton, KServe and MLServer send (the corpus in this folder, see README.md), replayed
/// by a real Kestrel server over REST (JSON and the binary extension, Content-Length and chunked) and gRPC.
/// </summary>
public sealed class PeerConformanceTests
{
    /// <summary>One peer's model as recorded: its metadata, its answers, and the call that produces them.</summary>
    private sealed record Peer(
        string Name,
        string Model,
        string Folder,
        RecordedHttpResponse Metadata,
        RecordedHttpResponse InferJson,
        RecordedHttpResponse InferBinary,
        NamedTensor[] Inputs,
        NamedTensor[] Expected,
        bool HasBinaryExtension)
    {
        public string File(string suffix) => $"{Folder}/{Model}.{suffix}";
    }

    private static readonly int[] TritonIn0 = Enumerable.Range(0, 16).ToArray();
    private static readonly int[] TritonIn1 = Enumerable.Repeat(1, 16).ToArray();

    private static Peer Get(string name) => name switch
    {
        "triton" => new Peer("triton", "simple", "triton",
            RecordedHttpResponse.Json(Corpus.Bytes("triton/simple.metadata.json")),
            RecordedHttpResponse.Json(Corpus.Bytes("triton/simple.infer.json")),
            new RecordedHttpResponse(Corpus.Bytes("triton/simple.infer-binary.bin"), "application/octet-stream",
                new Dictionary<string, string> { ["Inference-Header-Content-Length"] = "235" }),
            [new("INPUT0", TensorValue.Create(TritonIn0, 1, 16)), new("INPUT1", TensorValue.Create(TritonIn1, 1, 16))],
            [new("OUTPUT0", TensorValue.Create(Enumerable.Range(1, 16).ToArray(), 1, 16)), new("OUTPUT1", TensorValue.Create(Enumerable.Range(-1, 16).ToArray(), 1, 16))],
            HasBinaryExtension: true),
        "kserve" => new Peer("kserve", "add", "kserve",
            RecordedHttpResponse.Json(Corpus.Bytes("kserve/add.metadata.json")),
            RecordedHttpResponse.Json(Corpus.Bytes("kserve/add.infer.json")),
            // KServe's v2 infer pops content-type for a binary answer and names the header in lower case.
            new RecordedHttpResponse(Corpus.Bytes("kserve/add.infer-binary.bin"), null,
                new Dictionary<string, string> { ["inference-header-content-length"] = "186" }),
            AddInputs(), AddExpected(), HasBinaryExtension: true),
        "mlserver" => new Peer("mlserver", "sum-model", "mlserver",
            RecordedHttpResponse.Json(Corpus.Bytes("mlserver/sum-model.metadata.json")),
            RecordedHttpResponse.Json(Corpus.Bytes("mlserver/sum-model.infer.json")),
            // MLServer has no binary extension: it answers JSON whatever binary_data asks.
            RecordedHttpResponse.Json(Corpus.Bytes("mlserver/sum-model.infer.json")),
            AddInputs(), AddExpected(), HasBinaryExtension: false),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static NamedTensor[] AddInputs() =>
        [new("input-0", TensorValue.Create(new[] { 1f, 2f, 3f, 4f }, 1, 4)), new("input-1", TensorValue.Create(new[] { 10f, 20f, 30f, 40f }, 1, 4))];

    private static NamedTensor[] AddExpected() => [new("output-0", TensorValue.Create(new[] { 11f, 22f, 33f, 44f }, 1, 4))];

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string peer in new[] { "triton", "kserve", "mlserver" })
        {
            data.Add(peer, "rest-json", false);
            data.Add(peer, "rest-json", true);
            data.Add(peer, "rest-binary", false);
            data.Add(peer, "rest-binary", true);
            data.Add(peer, "grpc", false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_client_reads_what_the_peer_sends(string peerName, string protocol, bool chunked)
    {
        var peer = Get(peerName);
        var script = new ReplayScript { Chunked = chunked };
        script.Rest["/v2"] = RecordedHttpResponse.Json(Corpus.Bytes($"{peer.Folder}/server-metadata.json"));
        script.Rest[$"/v2/models/{peer.Model}"] = peer.Metadata;
        script.Rest[$"/v2/models/{peer.Model}/infer"] = protocol == "rest-binary" ? peer.InferBinary : peer.InferJson;
        script.GrpcModelMetadata = peer.Name == "mlserver"
            // MLServer's metadata has fields the standard proto lacks: build MLServer's message, send its bytes.
            ? ModelKit.Protocol.Grpc.ModelMetadataResponse.Parser.ParseFrom(Corpus.Grpc<MLServerProto.ModelMetadataResponse>(peer.File("metadata.grpc.json")).ToByteArray())
            : Corpus.Grpc<ModelKit.Protocol.Grpc.ModelMetadataResponse>(peer.File("metadata.grpc.json"));
        script.GrpcInfer = Corpus.Grpc<ModelInferResponse>(peer.File("infer.grpc.json"));
        await using var server = await ReplayServer.StartAsync(script);

        var (services, backend) = Clients.Remote(peer.Model, server.EndpointFor(protocol), protocol);
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var outputs = await client.RunAsync(peer.Inputs);
            Assert.Equal(peer.Expected.Length, outputs.Count);
            foreach (var expected in peer.Expected)
            {
                var actual = Assert.Single(outputs, o => o.Name == expected.Name);
                TestModels.AssertSame(expected.Value, actual.Value, $"{peer.Name} {protocol} {expected.Name}");
            }

            // Synchronous path too (a second request over the same connection).
            var again = client.Run(peer.Inputs);
            TestModels.AssertSame(peer.Expected[0].Value, again.Single(o => o.Name == peer.Expected[0].Name).Value, $"{peer.Name} {protocol} sync");
        }

        if (protocol == "grpc")
        {
            var sent = Assert.IsType<ModelInferRequest>(script.GrpcInferRequests.First());
            Assert.Equal(peer.Model, sent.ModelName);
            Assert.Equal(peer.Inputs.Length, sent.RawInputContents.Count);
        }
        else
        {
            var infer = script.Requests.Where(r => r.Path.EndsWith("/infer", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, infer.Count);
            // The binary extension is used when configured, whatever GET /v2 lists (MLServer lists none): the client never
            // asks GET /v2, so an empty or missing extension list cannot switch it off.
            Assert.DoesNotContain(script.Requests, r => r.Path == "/v2");
            Assert.All(infer, r => Assert.Equal(protocol == "rest-binary", r.InferenceHeaderContentLength is not null));
        }
    }

    [Fact]
    public async Task Unknown_fields_and_parameter_values_no_peer_defines_are_ignored()
    {
        var peer = Get("kserve");
        var script = new ReplayScript();
        script.Rest["/v2/models/add"] = peer.Metadata;
        script.Rest["/v2/models/add/infer"] = RecordedHttpResponse.Json(Corpus.Bytes("synthetic/add.infer-unknown-fields.json"));
        await using var server = await ReplayServer.StartAsync(script);
        var (services, backend) = Clients.Remote("add", server.EndpointFor("rest-json"), "rest-json");
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var outputs = await client.RunAsync(peer.Inputs);
            TestModels.AssertSame(peer.Expected[0].Value, Assert.Single(outputs).Value, "unknown fields");
        }
    }

    [Fact]
    public async Task A_response_without_content_type_or_content_length_is_read()
    {
        // KServe's binary answer has no Content-Type; here it also comes chunked, as through a proxy that re-chunks.
        var peer = Get("kserve");
        var script = new ReplayScript { Chunked = true };
        script.Rest["/v2/models/add"] = new RecordedHttpResponse(Corpus.Bytes("kserve/add.metadata.json"), null);
        script.Rest["/v2/models/add/infer"] = peer.InferBinary;
        await using var server = await ReplayServer.StartAsync(script);
        var (services, backend) = Clients.Remote("add", server.EndpointFor("rest-binary"), "rest-binary");
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            TestModels.AssertSame(peer.Expected[0].Value, Assert.Single(await client.RunAsync(peer.Inputs)).Value, "no content-type, chunked");
        }
    }

    [Theory]
    [InlineData("triton/server-metadata.json", "triton", true)]
    [InlineData("kserve/server-metadata.json", "kserve", false)]
    [InlineData("mlserver/server-metadata.json", "mlserver", false)]
    public void Server_metadata_of_each_peer_decodes(string file, string name, bool listsBinary)
    {
        var metadata = JsonSerializer.Deserialize(Corpus.Bytes(file), ProtocolJsonContext.Default.ServerMetadataResponse)!;
        Assert.Equal(name, metadata.Name);
        Assert.False(string.IsNullOrEmpty(metadata.Version));
        Assert.Equal(listsBinary, metadata.Extensions.Contains("binary_tensor_data"));
    }

    [Fact]
    public void Server_metadata_without_extensions_or_with_null_decodes()
    {
        foreach (string body in new[] { "{\"name\":\"x\",\"version\":\"1\"}", "{\"name\":\"x\",\"version\":\"1\",\"extensions\":null,\"other\":{}}" })
        {
            var metadata = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(body), ProtocolJsonContext.Default.ServerMetadataResponse)!;
            Assert.Equal("x", metadata.Name);
            Assert.True(metadata.Extensions is null or { Count: 0 });
        }
    }

    [Theory]
    [InlineData("triton/simple.metadata.json", "[-1,16]")]
    [InlineData("kserve/add.metadata.json", "[-1,4]")]
    [InlineData("mlserver/sum-model.metadata.json", "[-1,4]")]
    public void Model_metadata_of_each_peer_gives_a_signature(string file, string firstInputShape)
    {
        var metadata = JsonSerializer.Deserialize(Corpus.Bytes(file), ProtocolJsonContext.Default.ModelMetadataResponse)!;
        var signature = metadata.ToSignature();
        Assert.Equal(firstInputShape, TensorShape.Format(signature.Inputs[0].Shape));
        Assert.NotEmpty(signature.Outputs);
    }
}
