using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server.Tests;

/// <summary>A server with a 1 MiB body limit and a 100,000 element limit, whose log is kept.</summary>
public sealed class FaultFixture : IAsyncLifetime
{
    public const int Limit = 1024 * 1024;
    public const string Key = "fault-fixture-key-1";
    private readonly TempRepository _repository = TestModels.NewRepository();

    internal TestHost Host { get; private set; } = null!;

    internal LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs()).Add("text", 1, TestModels.Identity(ModelKit.OnnxFormat.OnnxDataType.String));
        Host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.MaxRequestBodySize = Limit;
            o.MaxElementsPerTensor = 100_000;
        }, logs: Logs);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }

    /// <summary>Nothing a client did was logged as an error or counted as internal.</summary>
    internal async Task AssertNothingInternalAsync()
    {
        Assert.Empty(Logs.Errors);
        string metrics = (await Wire.GetAsync(Host.Http, "/metrics")).Text;
        Assert.DoesNotContain("reason=\"internal\"", metrics);
        Assert.DoesNotContain("outcome=\"error\"", metrics);
    }
}

/// <summary>
/// The eight server faults of issue 10, each reproduced first over a real socket, HttpClient or gRPC channel against Kestrel on
/// loopback: client-caused read errors are the client's, errors that close the connection say so, one limit across framings,
/// authentication before decoding, bounded status details.
/// </summary>
public sealed class ServerFaultTests(FaultFixture fixture) : IClassFixture<FaultFixture>
{
    private const string Valid = """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""";

    private TestHost Host => fixture.Host;

    [Fact]
    public async Task Fault1_a_chunk_size_overflowing_int32_is_a_4xx_that_closes_the_connection_and_is_not_internal()
    {
        await using var http = await RawHttp.ConnectAsync(Host.RestAddress);
        await http.SendAsync("POST /v2/models/two/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\n{}\r\n0\r\n\r\n");
        var answer = await http.ReadAnswerAsync();

        Assert.InRange(answer.Status, 400, 499);
        Assert.Equal("close", answer.Header("Connection"));
        Assert.True(await http.ClosedByServerAsync());
        await fixture.AssertNothingInternalAsync();
    }

    [Fact]
    public async Task Fault2_a_client_resetting_mid_body_is_counted_as_canceled_never_internal()
    {
        string before = (await Wire.GetAsync(Host.Http, "/metrics")).Text;
        int canceledBefore = Count(before, "modelkit_server_requests_total{model=\"two\",outcome=\"canceled\",protocol=\"rest-json\"}");
        for (int i = 0; i < 3; i++)
        {
            var http = await RawHttp.ConnectAsync(Host.RestAddress);
            await http.SendAsync($"POST /v2/models/two/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"inputs\":[");
            await http.SendAsync(new byte[20_000]);

            // Reset once the server is reading the body (an event: the request is in flight), then wait until it has counted it.
            await WaitForMetricAsync(text => text.Contains("modelkit_server_active_requests{protocol=\"rest-json\"} 1", StringComparison.Ordinal));
            http.Reset();
            int expected = canceledBefore + i + 1;
            await WaitForMetricAsync(text => Count(text, "modelkit_server_requests_total{model=\"two\",outcome=\"canceled\",protocol=\"rest-json\"}") == expected
                && text.Contains("modelkit_server_active_requests{protocol=\"rest-json\"} 0", StringComparison.Ordinal));
        }

        await fixture.AssertNothingInternalAsync();
    }

    [Fact]
    public async Task Fault3_a_413_says_connection_close_and_a_fully_read_error_keeps_the_connection()
    {
        await using (var http = await RawHttp.ConnectAsync(Host.RestAddress))
        {
            await http.SendAsync("POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n");
            await http.SendAsync(Encoding.ASCII.GetBytes(new string('x', 70000)));
            var answer = await http.ReadAnswerAsync();
            Assert.Equal(413, answer.Status);
            Assert.Equal("close", answer.Header("Connection"));
            Assert.Contains("at most 65536", answer.Text);
            Assert.True(await http.ClosedByServerAsync());
        }

        await using (var http = await RawHttp.ConnectAsync(Host.RestAddress))
        {
            await http.SendAsync($"POST /v2/models/two/infer HTTP/1.1\r\nHost: x\r\nContent-Length: {FaultFixture.Limit + 1}\r\n\r\n{{");
            var answer = await http.ReadAnswerAsync();
            Assert.Equal(413, answer.Status);
            Assert.Equal("close", answer.Header("Connection"));
            Assert.True(await http.ClosedByServerAsync());
        }

        // A 400 whose body was read whole leaves the connection usable: the next request on it is answered.
        await using (var http = await RawHttp.ConnectAsync(Host.RestAddress))
        {
            const string bad = "{\"inputs\":[";
            await http.SendAsync($"POST /v2/models/two/infer HTTP/1.1\r\nHost: x\r\nContent-Length: {bad.Length}\r\n\r\n{bad}");
            var first = await http.ReadAnswerAsync();
            Assert.Equal(400, first.Status);
            Assert.Null(first.Header("Connection"));
            await http.SendAsync("GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await http.ReadAnswerAsync()).Status);
        }

        await fixture.AssertNothingInternalAsync();
    }

    [Fact]
    public async Task Fault4_a_grpc_message_of_exactly_the_limit_is_accepted_and_one_byte_more_is_resource_exhausted()
    {
        var exact = MessageOfSize(FaultFixture.Limit);
        Assert.Equal(FaultFixture.Limit, exact.CalculateSize());
        var answer = await Host.Grpc.ModelInferAsync(exact);
        Assert.Equal("two", answer.ModelName);

        var over = MessageOfSize(FaultFixture.Limit + 1);
        var error = await Assert.ThrowsAsync<RpcException>(() => Host.Grpc.ModelInferAsync(over).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await fixture.AssertNothingInternalAsync();
    }

    [Fact]
    public async Task Fault6_grpc_and_rest_errors_quote_client_input_boundedly()
    {
        var message = new ModelInferRequest { ModelName = "two" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = new string('x', 10_000) };
        input.Shape.Add(1);
        input.Shape.Add(4);
        message.Inputs.Add(input);
        var error = await Assert.ThrowsAsync<RpcException>(() => Host.Grpc.ModelInferAsync(message).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.InRange(error.Status.Detail.Length, 10, ErrorClassifier.MaxMessageLength);

        var unknownModel = new ModelInferRequest { ModelName = new string('m', 10_000) };
        var notFound = await Assert.ThrowsAsync<RpcException>(() => Host.Grpc.ModelInferAsync(unknownModel).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.InRange(notFound.Status.Detail.Length, 10, ErrorClassifier.MaxMessageLength);

        var rest = await Wire.PostJsonAsync(Host.Http, "/v2/models/two/infer",
            $$"""{"inputs":[{"name":"x","shape":[1,4],"datatype":"{{new string('x', 10_000)}}","data":[1,2,3,4]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, rest.Status);
        Assert.InRange(rest.Error!.Length, 10, ErrorClassifier.MaxMessageLength);
    }

    [Fact]
    public async Task Fault7_chunked_and_content_length_bodies_share_one_limit()
    {
        byte[] exact = Padded(Valid, FaultFixture.Limit);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(exact, chunked: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(exact, chunked: true)).StatusCode);

        byte[] over = Padded(Valid, FaultFixture.Limit + 1);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(over, chunked: false)).StatusCode);
        var chunkedOver = await PostAsync(over, chunked: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedOver.StatusCode);
        Assert.True(chunkedOver.Headers.ConnectionClose);
        await fixture.AssertNothingInternalAsync();
    }

    [Fact]
    public async Task Rest_binary_tensors_are_checked_against_the_configured_element_limit()
    {
        var request = new InferenceRequest();
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[100_004], 25_001, 4)) { Binary = true });
        var answer = await Wire.InferAsync(Host.Http, "two", request);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("more than the 100000 elements", answer.Error);

        var grpc = new InferenceRequest { ModelName = "two" };
        grpc.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[100_004], 25_001, 4)));
        var error = await Assert.ThrowsAsync<RpcException>(() => Host.Grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(grpc)).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("more than the 100000 elements", error.Status.Detail);
    }

    [Fact]
    public async Task Rest_checks_datatypes_against_the_model_before_decoding_data()
    {
        // BYTES data for an FP32 input: refused by the declaration alone (the strings are never decoded).
        var body = new StringBuilder("""{"inputs":[{"name":"x","shape":[20000,4],"datatype":"BYTES","data":[""");
        for (int i = 0; i < 80_000; i++)
        {
            body.Append(i == 0 ? "\"ab\"" : ",\"ab\"");
        }

        body.Append("]}]}");
        var answer = await Wire.PostJsonAsync(Host.Http, "/v2/models/two/infer", body.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("Input 'x' is BYTES but model 'two' expects FP32", answer.Error);
    }

    internal static ModelInferRequest MessageOfSize(int size)
    {
        var request = new InferenceRequest { ModelName = "two" };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[] { 1, 2, 3, 4 }, 1, 4)));
        var message = GrpcInferenceCodec.EncodeRequest(request);
        message.Id = string.Empty;
        int padding = size - message.CalculateSize();
        message.Id = new string('i', padding);
        while (message.CalculateSize() > size)
        {
            message.Id = message.Id[..^1];
        }

        return message;
    }

    private static byte[] Padded(string json, int size)
    {
        var bytes = new byte[size];
        Encoding.ASCII.GetBytes(json).CopyTo(bytes, 0);
        bytes.AsSpan(json.Length).Fill((byte)' ');
        return bytes;
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body, bool chunked)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v2/models/two/infer") { Content = content };
        if (chunked)
        {
            message.Headers.TransferEncodingChunked = true;
        }

        var response = await Host.Http.SendAsync(message);
        await response.Content.ReadAsByteArrayAsync();
        return response;
    }

    private async Task WaitForMetricAsync(Func<string, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            string text = (await Wire.GetAsync(Host.Http, "/metrics")).Text;
            if (condition(text))
            {
                return;
            }

            Assert.False(timeout.IsCancellationRequested, string.Join('\n', text.Split('\n').Where(static l => l.StartsWith("modelkit_server_", StringComparison.Ordinal))));
            await Task.Yield();
        }
    }

    private static int Count(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series, StringComparison.Ordinal))
            {
                return (int)double.Parse(line[series.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

/// <summary>Fault 5: authentication happens in the authentication middleware, before any REST body or gRPC message is read.</summary>
public sealed class AuthenticationBeforeDecodingTests : IAsyncLifetime
{
    private const string Key = "before-decoding-key";
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        _host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.ApiKeys.Add(Key);
            o.MaxRequestBodySize = 1024 * 1024;
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task A_keyless_unparsable_grpc_message_is_unauthenticated_and_with_a_key_invalid_argument()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "inference.GRPCInferenceService", "ModelInfer",
            Marshallers.Create(static b => b, static b => b), Marshallers.Create(static b => b, static b => b));
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress, new GrpcChannelOptions { MaxSendMessageSize = null });
        var invoker = channel.CreateCallInvoker();
        var garbage = new byte[512 * 1024];
        garbage.AsSpan().Fill(0xFF);

        var keyless = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, default, garbage).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, keyless.StatusCode);
        Assert.Contains("API key is required", keyless.Status.Detail);

        var wrong = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, new CallOptions(new Metadata { { "x-api-key", "not-the-key-at-all" } }), garbage).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);

        var withKey = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, new CallOptions(new Metadata { { "x-api-key", Key } }), garbage).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, withKey.StatusCode);

        // A valid message without a key: refused the same way, before its contents are looked at.
        var valid = ServerFaultTests.MessageOfSize(4096);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.ModelInferAsync(valid).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal("two", (await _host.Grpc.ModelInferAsync(valid, new Metadata { { "authorization", "Bearer " + Key } })).ModelName);
    }

    [Fact]
    public async Task A_keyless_rest_upload_is_refused_unread_and_the_connection_closed()
    {
        await using var http = await RawHttp.ConnectAsync(_host.RestAddress);
        await http.SendAsync("POST /v2/models/two/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n{\"inputs\":[");
        var answer = await http.ReadAnswerAsync();
        Assert.Equal(401, answer.Status);
        Assert.Equal("close", answer.Header("Connection"));
        Assert.Equal("Bearer", answer.Header("WWW-Authenticate"));
        Assert.Contains("API key is required", answer.Text);
        Assert.True(await http.ClosedByServerAsync());
    }
}
