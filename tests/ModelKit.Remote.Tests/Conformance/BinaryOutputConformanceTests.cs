using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Remote.Tests.Conformance;

/// <summary>
/// BYTES outputs holding bytes that are not UTF-8, as Triton and MLServer send them (see README.md), read by a typed contract that
/// declares binary elements: exactly the bytes, over the REST binary extension (Triton's length-prefixed frames), gRPC
/// <c>raw_output_contents</c> (the same frames), gRPC <c>bytes_contents</c> and REST JSON with MLServer's base64 content type.
/// </summary>
public sealed class BinaryOutputConformanceTests
{
    /// <summary>The recorded elements: every byte value, then bytes no UTF-8 decoder accepts.</summary>
    private static readonly byte[][] Recorded =
    [
        Enumerable.Range(0, 256).Select(static b => (byte)b).ToArray(),
        [0xFF, 0xFE, 0x80, 0xC3, 0x28, .. " not UTF-8 "u8, 0xED, 0xA0, 0x80, 0x00],
    ];

    private static void AssertRecorded(ReadOnlySpan<ReadOnlyMemory<byte>> actual, string what)
    {
        Assert.True(actual.Length == Recorded.Length, $"{what}: {actual.Length} elements");
        for (int i = 0; i < Recorded.Length; i++)
        {
            Assert.True(Recorded[i].AsSpan().SequenceEqual(actual[i].Span), $"{what}: element {i} is {Convert.ToHexString(actual[i].Span)}");
        }
    }

    private static ReplayScript Triton(bool chunked)
    {
        var script = new ReplayScript { Chunked = chunked };
        script.Rest["/v2/models/simple_identity"] = RecordedHttpResponse.Json(Corpus.Bytes("triton/simple_identity.metadata.json"));
        script.Rest["/v2/models/simple_identity/infer"] = new RecordedHttpResponse(Corpus.Bytes("triton/simple_identity.infer-binary.bin"), "application/octet-stream",
            new Dictionary<string, string> { ["Inference-Header-Content-Length"] = "154" });
        script.GrpcModelMetadata = Corpus.Grpc<ModelMetadataResponse>("triton/simple_identity.metadata.grpc.json");
        script.GrpcInfer = Corpus.Grpc<ModelInferResponse>("triton/simple_identity.infer.grpc.json");
        return script;
    }

    [Theory]
    [InlineData("rest-binary", false)]
    [InlineData("rest-binary", true)]
    [InlineData("grpc", false)]
    public async Task Tritons_bytes_frames_of_non_utf8_elements_reach_a_binary_contract_unchanged(string protocol, bool chunked)
    {
        var script = Triton(chunked);
        await using var server = await ReplayServer.StartAsync(script);
        await using var services = TypedClients.Remote<ITritonBinaryIdentity>(server.EndpointFor(protocol), protocol);
        var identity = services.GetRequiredService<ITritonBinaryIdentity>();
        var echoed = identity.Echo([Recorded[0], Recorded[1]]);
        AssertRecorded(echoed, $"triton {protocol}");

        if (protocol == "grpc")
        {
            // Every input binary: the elements travel in bytes_contents (tritonclient's np.object_ form), not re-framed.
            var sent = Assert.Single(script.GrpcInferRequests);
            Assert.Empty(sent.RawInputContents);
            Assert.Equal(Recorded.Select(static r => Convert.ToHexString(r)), sent.Inputs.Single().Contents.BytesContents.Select(static b => Convert.ToHexString(b.Span)));
        }
        else
        {
            var sent = Assert.Single(script.Requests, static r => r.Path.EndsWith("/infer", StringComparison.Ordinal));
            Assert.NotNull(sent.InferenceHeaderContentLength);
        }
    }

    [Fact]
    public async Task Without_a_binary_contract_tritons_non_utf8_bytes_are_refused_as_text_not_mangled()
    {
        // Triton's metadata says BYTES, nothing more: an untyped caller reads text, and bytes that are not UTF-8 are an error.
        await using var server = await ReplayServer.StartAsync(Triton(chunked: false));
        var (services, backend) = Clients.Remote("simple_identity", server.EndpointFor("rest-binary"), "rest-binary");
        using (services)
        {
            Assert.Equal(TensorElementType.String, backend.Signature.Outputs[0].ElementType);
            using var client = new DynamicModelClient(backend);
            var error = await Assert.ThrowsAnyAsync<RemoteInferenceException>(() => client.RunAsync([new NamedTensor("INPUT0", TensorValue.Create(new[] { "a", "b" }, 1, 2))]).AsTask());
            Assert.Contains("not valid UTF-8", error.Message);
        }
    }

    [Fact]
    public async Task Tritons_json_text_reaches_a_binary_contract_as_its_utf8_bytes()
    {
        // Over JSON Triton writes BYTES elements as strings and says nothing more: the bytes a binary caller gets are the text's.
        var script = Triton(chunked: false);
        script.Rest["/v2/models/simple_identity/infer"] = RecordedHttpResponse.Json(Corpus.Bytes("triton/simple_identity.infer.json"));
        await using var server = await ReplayServer.StartAsync(script);
        await using var services = TypedClients.Remote<ITritonBinaryIdentity>(server.EndpointFor("rest-json"), "rest-json");
        var echoed = services.GetRequiredService<ITritonBinaryIdentity>().Echo(["plain text"u8.ToArray(), "héllo wörld"u8.ToArray()]);
        Assert.Equal(["plain text", "héllo wörld"], echoed.Select(static e => Encoding.UTF8.GetString(e.Span)));
    }

    [Theory]
    [InlineData("rest-json")]
    [InlineData("rest-binary")] // MLServer has no binary extension: it answers JSON whatever binary_data asks
    [InlineData("grpc")]
    public async Task MLServers_base64_outputs_reach_binary_callers_as_the_bytes(string protocol)
    {
        var script = new ReplayScript();
        script.Rest["/v2/models/binary-echo"] = RecordedHttpResponse.Json(Corpus.Bytes("mlserver/binary-echo.metadata.json"));
        script.Rest["/v2/models/binary-echo/infer"] = RecordedHttpResponse.Json(Corpus.Bytes("mlserver/binary-echo.infer.json"));
        script.GrpcModelMetadata = ModelMetadataResponse.Parser.ParseFrom(
            Corpus.Grpc<MLServerProto.ModelMetadataResponse>("mlserver/binary-echo.metadata.grpc.json").ToByteArray());
        script.GrpcInfer = Corpus.Grpc<ModelInferResponse>("mlserver/binary-echo.infer.grpc.json");
        await using var server = await ReplayServer.StartAsync(script);

        await using (var services = TypedClients.Remote<IMlServerBinaryEcho>(server.EndpointFor(protocol), protocol))
        {
            var echoed = services.GetRequiredService<IMlServerBinaryEcho>().Echo([Recorded[0], Recorded[1]]);
            Assert.Equal([2L, 1L], echoed.Shape.ToArray());
            AssertRecorded(echoed.Span, $"mlserver {protocol} typed");
        }

        // The metadata's content_type says binary: the untyped client reads bytes too.
        var (untyped, backend) = Clients.Remote("binary-echo", server.EndpointFor(protocol), protocol);
        using (untyped)
        {
            Assert.Equal(TensorElementType.Binary, backend.Signature.Outputs[0].ElementType);
            using var client = new DynamicModelClient(backend);
            var outputs = await client.RunAsync([new NamedTensor("payload", TensorValue.Create(Recorded.Select(static r => (ReadOnlyMemory<byte>)r).ToArray(), 2, 1))]);
            AssertRecorded(outputs.Single().Value.Buffer.AsSpan<ReadOnlyMemory<byte>>(), $"mlserver {protocol} untyped");
        }
    }
}
