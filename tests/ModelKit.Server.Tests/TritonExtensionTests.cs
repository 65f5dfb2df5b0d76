using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Protocol.Rest;
using ModelKit.Server.Triton;

namespace ModelKit.Server.Tests;

/// <summary>A server with a labelled model and a dynamically batched one, a 1 MiB limit.</summary>
public sealed class TritonExtensionFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    internal TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs())
            .Add("batched", 1, TestModels.TwoOutputs())
            .Add("batched", 2, TestModels.TwoOutputs())
            .Config("batched", """{"version_policy":{"all":{}},"options":{"Batching":{"MaxBatchSize":8,"MaxQueueDelay":"00:00:00.001","PreferredBatchSizes":[4,8],"ConcurrentBatches":2}}}""");
        File.WriteAllLines(Path.Combine(_repository.Root, "two", Classification.LabelFileName), ["zero", "one", "two", "three"]);
        Host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.MaxRequestBodySize = 1024 * 1024;
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}

/// <summary>
/// What Triton's clients send and expect: compressed request bodies (recorded as tritonclient builds them: TestData/tritonclient,
/// record.py), compressed answers, gRPC message compression, readiness of unknown models, the model configuration and
/// classification extensions.
/// </summary>
public sealed class TritonExtensionTests(TritonExtensionFixture fixture) : IClassFixture<TritonExtensionFixture>
{
    private TestHost Host => fixture.Host;

    public static TheoryData<string, string, string[]> RecordedRequests => new()
    {
        // x = [1,2,3,4]: double = [2,4,6,8], negated = [-1,-2,-3,-4]; labels zero..three.
        { "binary_gzip_classification", "double", ["8.000000:3:three", "6.000000:2:two"] },
        { "json_gzip_classification_json_output", "double", ["8.000000:3:three", "6.000000:2:two", "4.000000:1:one"] },
        { "binary_identity_classification", "negated", ["-1.000000:0:zero", "-2.000000:1:one", "-3.000000:2:two", "-4.000000:3:three"] },
        { "json_deflate_no_outputs", "double", [] },
    };

    [Theory]
    [MemberData(nameof(RecordedRequests))]
    public async Task Tritonclient_request_bodies_are_answered(string name, string output, string[] classes)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "TestData", "tritonclient");
        byte[] body = File.ReadAllBytes(Path.Combine(folder, name + ".bin"));
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "requests.json")));
        var headers = index.RootElement.GetProperty(name);
        var content = new ByteArrayContent(body);
        foreach (var header in headers.EnumerateObject())
        {
            content.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
        }

        var answer = await SendAsync(HttpMethod.Post, "/v2/models/two/infer", content);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var tensor = Assert.Single(answer.Response!.Outputs, o => o.Name == output);
        if (classes.Length == 0)
        {
            Assert.Equal(2, answer.Response.Outputs.Count);
            Assert.Equal([2f, 4f, 6f, 8f], tensor.Value.Buffer.AsSpan<float>().ToArray());
            return;
        }

        Assert.Equal("BYTES", tensor.Datatype);
        Assert.Equal([(long)classes.Length], tensor.Shape);
        Assert.Equal(classes, tensor.Value.Buffer.AsSpan<string>().ToArray());
    }

    [Fact]
    public async Task Compressed_bodies_are_limited_after_decompression_and_bad_encodings_refused()
    {
        // A gzip bomb: 64 MiB of zeros in about 64 KiB; the server stops at its 1 MiB limit.
        var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (int i = 0; i < 64; i++)
            {
                gzip.Write(zeros);
            }
        }

        Assert.InRange(bomb.Length, 1, 200 * 1024);
        var content = new ByteArrayContent(bomb.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        var answer = await SendAsync(HttpMethod.Post, "/v2/models/two/infer", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Contains("decompressed request body exceeds", answer.Error);

        var notGzip = new ByteArrayContent("{\"inputs\":[]}"u8.ToArray());
        notGzip.Headers.ContentEncoding.Add("gzip");
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/v2/models/two/infer", notGzip)).Status);

        var brotli = new ByteArrayContent([1, 2, 3]);
        brotli.Headers.ContentEncoding.Add("br");
        var unsupported = await SendAsync(HttpMethod.Post, "/v2/models/two/infer", brotli);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.Status);
        Assert.Contains("identity, gzip or deflate", unsupported.Error);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Answers_are_compressed_when_the_client_accepts_it(string encoding)
    {
        var request = new InferenceRequest();
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[] { 1, 2, 3, 4 }, 1, 4)) { Binary = true });
        request.Outputs = [new InferRequestedOutput("double", binaryData: true)];
        using var encoded = RestInferenceCodec.EncodeRequest(request);
        var content = new ByteArrayContent(encoded.ToArray());
        content.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength, encoded.InferenceHeaderContentLength!.Value.ToString(CultureInfo.InvariantCulture));
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v2/models/two/infer") { Content = content };
        message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        using var response = await Host.Http.SendAsync(message);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
        var compressed = await response.Content.ReadAsStreamAsync();
        using Stream inflate = encoding == "gzip" ? new GZipStream(compressed, CompressionMode.Decompress) : new ZLibStream(compressed, CompressionMode.Decompress);
        var plain = new MemoryStream();
        await inflate.CopyToAsync(plain);
        long jsonLength = long.Parse(response.Headers.GetValues(ProtocolNames.InferenceHeaderContentLength).Single(), CultureInfo.InvariantCulture);
        var decoded = RestInferenceCodec.DecodeResponse(plain.ToArray(), jsonLength);
        Assert.Equal([2f, 4f, 6f, 8f], decoded.Outputs.Single().Value.Buffer.AsSpan<float>().ToArray());

        // Without Accept-Encoding the answer is plain.
        var plainAnswer = await Wire.InferAsync(Host.Http, "two", request);
        Assert.Empty(plainAnswer.Message.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Grpc_gzip_messages_are_accepted_and_a_grpc_gzip_bomb_is_resource_exhausted()
    {
        var gzip = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var request = new InferenceRequest { ModelName = "two" };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[] { 1, 2, 3, 4 }, 1, 4)));
        var answer = await Host.Grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(request), gzip);
        Assert.Equal([2f, 4f, 6f, 8f], GrpcInferenceCodec.DecodeResponse(answer).Outputs[0].Value.Buffer.AsSpan<float>().ToArray());

        var bomb = GrpcInferenceCodec.EncodeRequest(request);
        bomb.Id = new string('a', 8 * 1024 * 1024);
        var error = await Assert.ThrowsAsync<RpcException>(() => Host.Grpc.ModelInferAsync(bomb, gzip).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.True(await Host.Grpc.ServerLiveAsync(new ServerLiveRequest()).ResponseAsync.ContinueWith(static t => t.Result.Live));
    }

    [Fact]
    public async Task Readiness_of_unknown_models_is_false_as_triton_answers()
    {
        Assert.False((await Host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "nosuchmodel" })).Ready);
        Assert.False((await Host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "two", Version = "7" })).Ready);
        Assert.False((await Host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "../etc" })).Ready);
        Assert.True((await Host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "two", Version = "1" })).Ready);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.GetAsync(Host.Http, "/v2/models/nosuchmodel/ready")).Status);
    }

    [Fact]
    public async Task Server_metadata_lists_the_extensions()
    {
        string[] expected = ["binary_tensor_data", "model_repository", "model_configuration", "classification"];
        using var rest = JsonDocument.Parse((await Wire.GetAsync(Host.Http, "/v2")).Text);
        var listed = rest.RootElement.GetProperty("extensions").EnumerateArray().Select(static e => e.GetString()).ToArray();
        Assert.All(expected, e => Assert.Contains(e, listed));
        var grpc = await Host.Grpc.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.All(expected, e => Assert.Contains(e, grpc.Extensions));
    }

    [Fact]
    public async Task Model_configuration_is_served_over_rest_as_triton_writes_it()
    {
        var answer = await Wire.GetAsync(Host.Http, "/v2/models/two/config");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        using var json = JsonDocument.Parse(answer.Text);
        var root = json.RootElement;
        Assert.Equal("two", root.GetProperty("name").GetString());
        Assert.Equal("onnxruntime_onnx", root.GetProperty("platform").GetString());
        Assert.Equal("onnxruntime", root.GetProperty("backend").GetString());
        Assert.Equal(0, root.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(1, root.GetProperty("version_policy").GetProperty("latest").GetProperty("num_versions").GetInt32());
        var input = root.GetProperty("input").EnumerateArray().Single();
        Assert.Equal("x", input.GetProperty("name").GetString());
        Assert.Equal("TYPE_FP32", input.GetProperty("data_type").GetString());
        Assert.Equal([-1L, 4L], input.GetProperty("dims").EnumerateArray().Select(static d => d.GetInt64()));
        var outputs = root.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal(["double", "negated"], outputs.Select(static o => o.GetProperty("name").GetString()));
        Assert.Equal("labels.txt", outputs[0].GetProperty("label_filename").GetString());
        var group = root.GetProperty("instance_group").EnumerateArray().Single();
        Assert.Equal("KIND_CPU", group.GetProperty("kind").GetString());
        Assert.Equal(1, group.GetProperty("count").GetInt32());
        Assert.Equal("model.onnx", root.GetProperty("default_model_filename").GetString());
        Assert.False(root.TryGetProperty("dynamic_batching", out _));

        using var batched = JsonDocument.Parse((await Wire.GetAsync(Host.Http, "/v2/models/batched/versions/2/config")).Text);
        var b = batched.RootElement;
        Assert.Equal(8, b.GetProperty("max_batch_size").GetInt32());
        Assert.Equal([4L], b.GetProperty("input")[0].GetProperty("dims").EnumerateArray().Select(static d => d.GetInt64()));
        Assert.Equal([4, 8], b.GetProperty("dynamic_batching").GetProperty("preferred_batch_size").EnumerateArray().Select(static d => d.GetInt32()));
        Assert.Equal(1000, b.GetProperty("dynamic_batching").GetProperty("max_queue_delay_microseconds").GetInt64());
        Assert.True(b.GetProperty("version_policy").TryGetProperty("all", out _));
        Assert.Equal(2, b.GetProperty("instance_group").EnumerateArray().Single().GetProperty("count").GetInt32()); // ConcurrentBatches

        Assert.Equal(HttpStatusCode.NotFound, (await Wire.GetAsync(Host.Http, "/v2/models/nosuchmodel/config")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Wire.GetAsync(Host.Http, "/v2/models/two/versions/9/config")).Status);
    }

    [Fact]
    public async Task Model_configuration_is_served_over_grpc_in_tritons_messages()
    {
        var method = new Method<ModelConfigRequest, ModelConfigResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ModelConfig",
            Marshallers.Create(static m => Google.Protobuf.MessageExtensions.ToByteArray(m), ModelConfigRequest.Parser.ParseFrom),
            Marshallers.Create(static m => Google.Protobuf.MessageExtensions.ToByteArray(m), ModelConfigResponse.Parser.ParseFrom));
        using var channel = GrpcChannel.ForAddress(Host.GrpcAddress);
        var invoker = channel.CreateCallInvoker();
        var config = (await invoker.AsyncUnaryCall(method, null, default, new ModelConfigRequest { Name = "batched", Version = "1" })).Config;
        Assert.Equal("batched", config.Name);
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(8, config.MaxBatchSize);
        Assert.Equal(DataType.TypeFp32, config.Input[0].DataType);
        Assert.Equal([4L], config.Input[0].Dims);
        Assert.Equal([4L], config.Output[1].Dims);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup[0].Kind);
        Assert.Equal(1000UL, config.DynamicBatching.MaxQueueDelayMicroseconds);

        var missing = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, default, new ModelConfigRequest { Name = "nosuchmodel" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Classification_over_grpc_as_tritonclient_asks_for_it()
    {
        // tritonclient.grpc InferRequestedOutput(name, class_count=k): parameters["classification"].int64_param = k.
        var message = new ModelInferRequest { ModelName = "two" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
        input.Shape.Add(1);
        input.Shape.Add(4);
        input.Contents = new InferTensorContents();
        input.Contents.Fp32Contents.Add([0.5f, 3f, -1f, 2f]);
        message.Inputs.Add(input);
        var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "double" };
        output.Parameters["classification"] = new InferParameter { Int64Param = 2 };
        message.Outputs.Add(output);
        var answer = await Host.Grpc.ModelInferAsync(message);
        var tensor = answer.Outputs.Single();
        Assert.Equal("BYTES", tensor.Datatype);
        Assert.Equal([2L], tensor.Shape);
        var decoded = GrpcInferenceCodec.DecodeResponse(answer).Outputs[0].Value.Buffer.AsSpan<string>().ToArray();
        Assert.Equal(["6.000000:1:one", "4.000000:3:three"], decoded);
    }

    [Fact]
    public async Task Classification_of_a_batching_model_answers_one_top_k_per_row_without_labels()
    {
        var json = """{"inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[1,5,3,2,9,8,7,6]}],"outputs":[{"name":"negated","parameters":{"classification":2,"binary_data":false}}]}""";
        var answer = await Wire.PostJsonAsync(Host.Http, "/v2/models/batched/infer", json);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var tensor = answer.Response!.Outputs.Single();
        Assert.Equal([2L, 2L], tensor.Shape);
        Assert.Equal(["-1.000000:0", "-2.000000:3", "-6.000000:3", "-7.000000:2"], tensor.Value.Buffer.AsSpan<string>().ToArray());

        var bad = await Wire.PostJsonAsync(Host.Http, "/v2/models/batched/infer", json.Replace("\"classification\":2", "\"classification\":\"two\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("\"classification\" parameter must be a non-negative integer", bad.Error);
    }

    private async Task<RestAnswer> SendAsync(HttpMethod method, string path, HttpContent content)
    {
        using var message = new HttpRequestMessage(method, path) { Content = content };
        var response = await Host.Http.SendAsync(message);
        var body = await response.Content.ReadAsByteArrayAsync();
        InferenceResponse? decoded = null;
        string? error = null;
        if (response.IsSuccessStatusCode)
        {
            long? length = response.Headers.TryGetValues(ProtocolNames.InferenceHeaderContentLength, out var values) ? long.Parse(values.First(), CultureInfo.InvariantCulture) : null;
            decoded = RestInferenceCodec.DecodeResponse(body, length);
        }
        else if (body.Length > 0)
        {
            error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString();
        }

        return new RestAnswer(response.StatusCode, body, decoded, error, response);
    }
}
