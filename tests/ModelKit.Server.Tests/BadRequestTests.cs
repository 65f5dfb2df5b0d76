using System.Net;
using System.Text;
using Grpc.Core;
using ModelKit.OnnxFormat;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server.Tests;

/// <summary>A server with small limits and a few models, shared by the bad-request and fuzz tests.</summary>
public sealed class BadRequestFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    internal TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs())
            .Add("mymodel", 1, TestModels.SpecExample())
            .Add("half", 1, TestModels.Identity(OnnxDataType.Float16))
            .Add("text", 1, TestModels.Identity(OnnxDataType.String));
        Host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.MaxRequestBodySize = 1024 * 1024;
            o.MaxElementsPerTensor = 100_000;
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}

/// <summary>Bad requests of each kind get the right status and a message that says what is wrong; never a 500.</summary>
public sealed class BadRequestTests(BadRequestFixture fixture) : IClassFixture<BadRequestFixture>
{
    private const string Valid = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";

    private HttpClient Http => fixture.Host.Http;

    public static TheoryData<string, string, string> JsonCases => new()
    {
        { "malformed JSON", """{"inputs":[{"name":"x",""", "not valid JSON" },
        { "not an object", """[1,2,3]""", "must be a JSON object" },
        { "trailing garbage", Valid + "xyz", "not valid JSON" },
        { "no inputs", """{"id":"1"}""", "no \"inputs\"" },
        { "missing name", """{"inputs":[{"shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "has no \"name\"" },
        { "missing datatype", """{"inputs":[{"name":"x","shape":[1,4],"data":[1,2,3,4]}]}""", "has no \"datatype\"" },
        { "missing shape", """{"inputs":[{"name":"x","datatype":"FP32","data":[1,2,3,4]}]}""", "has no \"shape\"" },
        { "missing data", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32"}]}""", "neither \"data\" nor" },
        { "unknown datatype", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FLOAT32","data":[1,2,3,4]}]}""", "datatype 'FLOAT32', which the protocol does not define" },
        { "too few elements", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3]}]}""", "needs 4 elements but 'data' holds 3" },
        { "too many elements", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4,5]}]}""", "more than the 4 elements" },
        { "negative dimension", """{"inputs":[{"name":"x","shape":[-1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "non-negative integers" },
        { "element of the wrong kind", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,"two",3,4]}]}""", "element 1 of 'data' (\"two\") is not a valid FP32" },
        { "wrong datatype for the model", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"INT64","data":[1,2,3,4]}]}""", "Input 'x' is INT64 but model 'two' expects FP32" },
        { "wrong shape for the model", """{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3,4]}]}""", "has shape [2,2] but model 'two' expects [-1,4]" },
        { "wrong rank for the model", """{"inputs":[{"name":"x","shape":[4],"datatype":"FP32","data":[1,2,3,4]}]}""", "expects [-1,4]" },
        { "missing input", """{"inputs":[]}""", "needs input 'x' (FP32[-1,4]), which the request does not supply" },
        { "unknown input", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]},{"name":"y","shape":[1],"datatype":"FP32","data":[1]}]}""", "has no input 'y'; its inputs are 'x' FP32[-1,4]" },
        { "duplicate input", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]},{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", "names input 'x' twice" },
        { "unknown output", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"tripled"}]}""", "has no output 'tripled'; its outputs are 'double'" },
        { "element limit", """{"inputs":[{"name":"x","shape":[100000,4],"datatype":"FP32","data":[1]}]}""", "more than the 100000 elements a tensor may hold" },
        { "binary size without the header", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", "no Inference-Header-Content-Length" },
        { "data and binary size together", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4],"parameters":{"binary_data_size":16}}]}""", "both \"data\" and \"binary_data_size\"" },
        { "bad parameter", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4],"parameters":{"p":[1]}}]}""", "Parameter 'p' must be a string, a number or a boolean" },
    };

    [Theory]
    [MemberData(nameof(JsonCases))]
    public async Task Json_bad_requests_get_400_with_a_useful_message(string kind, string body, string expected)
    {
        var answer = await Wire.PostJsonAsync(Http, "/v2/models/two/infer", body);

        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{kind}: {answer.Status} {answer.Text}");
        Assert.Equal("application/json", answer.Message.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fp16_as_json_numbers_is_refused_with_a_pointer_to_binary_data()
    {
        var answer = await Wire.PostJsonAsync(Http, "/v2/models/half/infer", """{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP16","data":[1,2,3]}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("binary_data_size", answer.Error);
    }

    public static TheoryData<string, string, int, int, string> BinaryCases => new()
    {
        // kind, header JSON, binary bytes appended, header length delta, expected message
        { "header length not a number", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", 16, int.MinValue, "must be the JSON header's length" },
        { "header length past the body", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", 16, 1000, "the body has" },
        { "sizes do not add up", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", 12, 0, "add up to 16 bytes but 12 bytes follow" },
        { "size does not fit the shape", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":12}}]}""", 12, 0, "needs 16 bytes (4 elements × 4) but its binary data has 12" },
        { "negative size", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":-16}}]}""", 0, 0, "must be a non-negative integer" },
        { "header length cuts the JSON", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}""", 16, -10, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public async Task Binary_framing_errors_get_400_with_a_useful_message(string kind, string header, int binaryBytes, int headerDelta, string expected)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var body = new byte[json.Length + binaryBytes];
        json.CopyTo(body, 0);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        content.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength,
            headerDelta == int.MinValue ? "12abc" : (json.Length + headerDelta).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await Http.PostAsync("/v2/models/two/infer", content);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{kind}: {response.StatusCode} {text}");
        Assert.Contains(expected, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_elements_must_be_framed_and_utf8()
    {
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[1,3],"datatype":"BYTES","parameters":{"binary_data_size":13}}]}""");
        // Three elements announced; the second claims 200 bytes.
        byte[] binary = [1, 0, 0, 0, (byte)'a', 200, 0, 0, 0, (byte)'b', (byte)'c', (byte)'d', (byte)'e'];
        var answer = await Wire.PostRawAsync(Http, "/v2/models/text/infer", [.. json, .. binary], json.Length, "application/octet-stream");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("claims 200 bytes", answer.Error);

        byte[] invalidUtf8 = [1, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0];
        var json2 = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[1,3],"datatype":"BYTES","parameters":{"binary_data_size":13}}]}""");
        var answer2 = await Wire.PostRawAsync(Http, "/v2/models/text/infer", [.. json2, .. invalidUtf8], json2.Length, "application/octet-stream");
        Assert.Equal(HttpStatusCode.BadRequest, answer2.Status);
        Assert.Contains("not valid UTF-8", answer2.Error);
    }

    [Theory]
    [InlineData("/v2/models/nosuch/infer", "Model 'nosuch' is not served here. Models: half, mymodel, text, two")]
    [InlineData("/v2/models/two/versions/7/infer", "Model 'two' has no version 7 loaded (loaded: 1)")]
    [InlineData("/v2/models/two/versions/latest/infer", "Model versions are numeric")]
    [InlineData("/v2/models/..%2F..%2Fetc/infer", "is not served here")]
    [InlineData("/v2/models/%2E%2E/infer", "No endpoint POST /v2/infer")]
    public async Task Unknown_models_and_versions_get_404(string path, string expected)
    {
        var answer = await Wire.PostJsonAsync(Http, path, Valid);

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Contains(expected, answer.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_endpoints_and_metadata_get_404_json()
    {
        var endpoint = await Wire.GetAsync(Http, "/v2/nothing/here");
        Assert.Equal(HttpStatusCode.NotFound, endpoint.Status);
        Assert.Contains("No endpoint GET /v2/nothing/here", endpoint.Error);

        var metadata = await Wire.GetAsync(Http, "/v2/models/nosuch");
        Assert.Equal(HttpStatusCode.NotFound, metadata.Status);
        Assert.Contains("is not served here", metadata.Error);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        var body = new byte[(1024 * 1024) + 1];
        body.AsSpan().Fill((byte)' ');
        // Expect: 100-continue lets the server answer before the upload; without it the client may see the connection closed
        // under its upload instead of the 413 (the server refuses from Content-Length without reading the body).
        var answer = await Wire.PostRawAsync(Http, "/v2/models/two/infer", body, configure: static m => m.Headers.ExpectContinue = true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Contains("at most 1048576", answer.Error);
    }

    [Fact]
    public async Task Grpc_errors_use_matching_status_codes()
    {
        var grpc = fixture.Host.Grpc;
        var request = new InferenceRequest { ModelName = "two" };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new long[] { 1, 2, 3, 4 }, 1, 4)));
        var wrongType = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(request)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, wrongType.StatusCode);
        Assert.Contains("expects FP32", wrongType.Status.Detail);

        request.ModelName = "nosuch";
        var unknown = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(request)).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var mismatch = new ModelInferRequest { ModelName = "two" };
        mismatch.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 4 } });
        mismatch.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[12]));
        var size = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelInferAsync(mismatch).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, size.StatusCode);
        Assert.Contains("needs 16 bytes", size.Status.Detail);

        var typed = new ModelInferRequest { ModelName = "two" };
        typed.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 1, 4 }, Contents = new InferTensorContents { Fp32Contents = { 1, 2, 3, 4 } } });
        var ok = GrpcInferenceCodec.DecodeResponse(await grpc.ModelInferAsync(typed));
        Assert.Equal([2f, 4f, 6f, 8f], ok.FindOutput("double")!.Value.Buffer.AsSpan<float>().ToArray());

        var metadata = await Assert.ThrowsAsync<RpcException>(() => grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "nosuch" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, metadata.StatusCode);
    }
}
