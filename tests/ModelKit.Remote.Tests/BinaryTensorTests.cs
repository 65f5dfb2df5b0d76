using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.Onnx;
using ModelKit.OnnxFormat;

namespace ModelKit.Remote.Tests;

/// <summary>
/// Binary (BYTES) tensors in generated contracts against a real Kestrel server: a served echo pipeline with a binary input and a
/// binary output, over rest-binary, rest-json and gRPC — bytes 0x00..0xFF and invalid UTF-8 come back exactly (no UTF-8 round trip),
/// into results, shaped tensors and caller-owned destinations; contract mistakes are named at binding.
/// </summary>
public sealed class BinaryTensorTests : IAsyncLifetime
{
    private readonly TempRepository _repository = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("modelkit-binary-echo-").FullName;
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("identity_string", 1, TestModels.Identity(OnnxDataType.String));
        _host = await TestHost.StartAsync(
            o =>
            {
                o.RepositoryPath = _repository.Root;
                o.WarmupRuns = 0;
            },
            kit => kit.AddBackendProvider<EchoProvider>().AddModel("binary-echo", o =>
            {
                o.Path = _folder;
                o.Processing = new ProcessingOptions { Kind = EchoProvider.Kind };
            }));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Every byte value, nothing, invalid UTF-8 (a lone continuation byte, an overlong form, a surrogate), and 1 MiB.</summary>
    private static ReadOnlyMemory<byte>[] Payload()
    {
        var large = new byte[1 << 20];
        new Random(7).NextBytes(large);
        return
        [
            Enumerable.Range(0, 256).Select(static b => (byte)b).ToArray(),
            Array.Empty<byte>(),
            new byte[] { 0x80, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xFF, 0xFE, 0x00 },
            large,
        ];
    }

    private ServiceProvider Client<TContract>(string protocol)
        where TContract : class, IModelContract<TContract> => TypedClients.Remote<TContract>(_host.EndpointFor(protocol), protocol);

    private static void AssertBytes(IReadOnlyList<ReadOnlyMemory<byte>> expected, ReadOnlySpan<ReadOnlyMemory<byte>> actual, string what)
    {
        Assert.True(expected.Count == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Span.SequenceEqual(actual[i].Span), $"{what}: element {i} differs ({actual[i].Length} bytes, expected {expected[i].Length})");
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task Binary_elements_go_out_and_come_back_exactly_through_a_typed_contract(string protocol)
    {
        var payload = Payload();
        await using var services = Client<IBinaryEcho>(protocol);
        var echo = services.GetRequiredService<IBinaryEcho>();

        var result = echo.Echo(new EchoRequest { Payload = payload });
        AssertBytes(payload, result.Echo, $"{protocol} Echo");
        Assert.Equal(payload.Select(static p => (long)p.Length), result.Length);
        Assert.Equal(Convert.ToHexString(payload[0].Span), result.Hex[0]);

        var again = await echo.EchoAsync(new EchoRequest { Payload = payload[..3] });
        AssertBytes(payload[..3], again.Echo, $"{protocol} EchoAsync");

        Assert.Equal(payload.Select(static p => (long)p.Length), echo.Lengths(new ModelTensor<ReadOnlyMemory<byte>>(payload, [payload.Length])));

        var tensor = echo.EchoTensor(payload);
        Assert.Equal([4L], tensor.Shape.ToArray());
        AssertBytes(payload, tensor.Span, $"{protocol} EchoTensor");

        // Into the caller's destination: the bytes stay valid after the call (a REST body is pooled and reused).
        var destination = new ReadOnlyMemory<byte>[3];
        echo.EchoInto(payload[..3], destination);
        _ = echo.Echo(new EchoRequest { Payload = [new byte[4096]] }); // reuses the pooled buffers
        AssertBytes(payload[..3], destination, $"{protocol} EchoInto");
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task The_untyped_client_reads_binary_outputs_as_bytes_from_the_servers_metadata(string protocol)
    {
        var (services, backend) = Clients.Remote("binary-echo", _host.EndpointFor(protocol), protocol);
        using (services)
        {
            Assert.Equal(TensorElementType.Binary, backend.Signature.Outputs.Single(o => o.Name == "echo").ElementType);
            using var client = new DynamicModelClient(backend);
            var payload = Payload()[..3];
            var outputs = await client.RunAsync([new NamedTensor("payload", TensorValue.Create(payload, payload.Length))]);
            AssertBytes(payload, outputs.Single(o => o.Name == "echo").Value.Buffer.AsSpan<ReadOnlyMemory<byte>>(), protocol);
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task Contract_mistakes_against_a_binary_tensor_name_the_contract_the_tensor_and_both_types(string protocol)
    {
        await using (var services = Client<IBinaryEchoAsText>(protocol))
        {
            var error = Assert.ThrowsAny<ModelContractMismatchException>(() => services.GetRequiredService<IBinaryEchoAsText>().Echo([new byte[] { 1 }]));
            Assert.Contains("IBinaryEchoAsText.Echo", error.Message);
            Assert.Contains("Return value is string but output 'echo' is BINARY (System.ReadOnlyMemory<byte>)", error.Message);
            Assert.Contains("declare ReadOnlyMemory<byte>[]", error.Message);
        }

        await using (var services = Client<IBinaryEchoWrongInput>(protocol))
        {
            var error = Assert.ThrowsAny<ModelContractMismatchException>(() => services.GetRequiredService<IBinaryEchoWrongInput>().Echo([1f]));
            Assert.Contains("IBinaryEchoWrongInput.Echo", error.Message);
            Assert.Contains("Parameter 'payload' is float but input 'payload' is BINARY (System.ReadOnlyMemory<byte>)", error.Message);
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    [InlineData("rest-json")]
    public async Task A_served_onnx_string_tensor_takes_binary_elements_that_are_utf8_and_refuses_others_with_400(string protocol)
    {
        // The server's STRING tensor is BYTES on the wire (its metadata does not say binary, like Triton's): UTF-8 bytes pass, and
        // come back as bytes; bytes that are not UTF-8 cannot become ONNX strings, and the server says so.
        await using var services = Client<IStringIdentityAsBytes>(protocol);
        var identity = services.GetRequiredService<IStringIdentityAsBytes>();
        ReadOnlyMemory<byte>[] text = ["a"u8.ToArray(), "héllo"u8.ToArray(), Array.Empty<byte>(), "日本語"u8.ToArray(), "x"u8.ToArray(), "\t\n"u8.ToArray()];
        if (protocol == "rest-json")
        {
            // Over JSON binary elements travel as base64 with MLServer's content type, which a text input refuses: a clear 400.
            var refused = Assert.ThrowsAny<RemoteInferenceException>(() => identity.Echo(text));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Input 'x' carries binary elements", refused.Message);
            return;
        }

        AssertBytes(text, identity.Echo(text), protocol);

        var error = Assert.ThrowsAny<RemoteInferenceException>(() => identity.Echo([new byte[] { 0xFF }, .. text[1..3]]));
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode ?? (error.GrpcStatus == Grpc.Core.StatusCode.InvalidArgument ? HttpStatusCode.BadRequest : null));
        Assert.Contains("'x'", error.Message);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void In_process_an_onnx_string_tensor_refuses_binary_elements_at_binding_and_says_what_to_declare()
    {
        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IStringIdentityAsBytes>(o => o.Path = Path.Combine(_repository.Root, "identity_string", "1", "model.onnx")));
        using var provider = services.BuildServiceProvider();
        var error = Assert.ThrowsAny<ModelContractMismatchException>(() => provider.GetRequiredService<IStringIdentityAsBytes>().Echo(["a"u8.ToArray()]));
        Assert.Contains("IStringIdentityAsBytes.Echo", error.Message);
        Assert.Contains("Parameter 'x' is System.ReadOnlyMemory<byte> but input 'x' is STRING (string)", error.Message);
        Assert.Contains("this STRING tensor takes UTF-8 text (ONNX has no bytes type): declare string elements", error.Message);
    }

    [Fact]
    public void A_large_binary_element_goes_to_the_wire_as_the_callers_memory_and_small_ones_share_one_frame_buffer()
    {
        var image = new byte[64 * 1024];
        new Random(3).NextBytes(image);
        byte[] small = [1, 2, 3];
        var request = new ModelKit.Protocol.InferenceRequest();
        request.Inputs.Add(new ModelKit.Protocol.InferTensor("payload", TensorValue.Create(new ReadOnlyMemory<byte>[] { small, image, small }, 3)) { Binary = true });
        using var encoded = ModelKit.Protocol.Rest.RestInferenceCodec.EncodeRequest(request);

        // [len small][len image] | image (not copied) | [len small]
        Assert.Equal(3, encoded.BinarySegments.Count);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(encoded.BinarySegments[1], out var segment));
        Assert.Same(image, segment.Array);
        byte[] body = [.. encoded.Json.ToArray(), .. encoded.BinarySegments.SelectMany(static s => s.ToArray())];
        var decoded = ModelKit.Protocol.Rest.RestInferenceCodec.DecodeRequest(body, encoded.InferenceHeaderContentLength,
            new ModelKit.Protocol.ProtocolLimits { BinaryBytesTensors = new HashSet<string> { "payload" } });
        AssertBytes([small, image, small], decoded.Inputs[0].Value.Buffer.AsSpan<ReadOnlyMemory<byte>>(), "frames");

        // No elements: still binary data (of 0 bytes), so the header says where the JSON ends.
        var empty = new ModelKit.Protocol.InferenceRequest();
        empty.Inputs.Add(new ModelKit.Protocol.InferTensor("payload", TensorValue.Create(Array.Empty<ReadOnlyMemory<byte>>(), 0)) { Binary = true });
        using var encodedEmpty = ModelKit.Protocol.Rest.RestInferenceCodec.EncodeRequest(empty);
        Assert.NotNull(encodedEmpty.InferenceHeaderContentLength);
        var none = ModelKit.Protocol.Rest.RestInferenceCodec.DecodeRequest(encodedEmpty.Json.ToArray(), encodedEmpty.InferenceHeaderContentLength);
        Assert.Equal(0, none.Inputs[0].Value.Buffer.Length);
    }

    public sealed class EchoProvider() : PipelineBackendProvider<EchoPipeline>(Kind)
    {
        public const string Kind = "binary-echo";

        protected override EchoPipeline Build(PipelineBuildContext context) => new(context.ModelName);
    }

    /// <summary><c>payload</c> binary [N] → <c>echo</c> binary [N] (the same bytes), <c>length</c> INT64 [N], <c>hex</c> STRING [N].</summary>
    public sealed class EchoPipeline(string modelName) : PipelineBackend(modelName)
    {
        public override ModelSignature Signature { get; } = new(
            [new TensorInfo("payload", TensorElementType.Binary, [-1])],
            [new TensorInfo("echo", TensorElementType.Binary, [-1]), new TensorInfo("length", TensorElementType.Int64, [-1]), new TensorInfo("hex", TensorElementType.String, [-1])]);

        public override string Description => "binary echo pipeline";

        protected override string BackendName => "binary-echo";

        protected override ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
        {
            // The elements view the request body, which lives until the response is written: echoed as they are.
            var payload = inputs[0].Buffer.AsSpan<ReadOnlyMemory<byte>>().ToArray();
            long n = payload.Length;
            return ValueTask.FromResult<TensorValue[]>(
            [
                TensorValue.Create(payload, n),
                TensorValue.Create(payload.Select(static p => (long)p.Length).ToArray(), n),
                TensorValue.Create(payload.Select(static p => Convert.ToHexString(p.Span)).ToArray(), n),
            ]);
        }
    }
}
