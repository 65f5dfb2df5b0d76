using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelKit.Protocol;
using ModelKit.Protocol.Rest;

namespace ModelKit.Server.Tests;

/// <summary>
/// The protocol documents' own examples, sent as written: the inference request/response of the KServe v2 REST document
/// ("Inference Request Examples") and the request/response of Triton's binary tensor data extension ("Examples"), against
/// a model with their signature (input0 UINT32[2,2], input1 BOOL[3] → output0 FP32[3,2]) named "mymodel".
/// </summary>
public sealed class ConformanceTests : IAsyncLifetime
{
    // KServe v2 required_api.md, "Inference Request Examples", verbatim. Note its input1 gives one element for shape [3].
    private const string KServeRequestVerbatim = """
        {
          "id" : "42",
          "inputs" : [
            {
              "name" : "input0",
              "shape" : [ 2, 2 ],
              "datatype" : "UINT32",
              "data" : [ 1, 2, 3, 4 ]
            },
            {
              "name" : "input1",
              "shape" : [ 3 ],
              "datatype" : "BOOL",
              "data" : [ true ]
            }
          ],
          "outputs" : [
            {
              "name" : "output0"
            }
          ]
        }
        """;

    // The document's response example, with the comma it omits after "id" restored (as written it is not valid JSON).
    private const string KServeResponseExample = """
        {
          "id" : "42",
          "outputs" : [
            {
              "name" : "output0",
              "shape" : [ 3, 2 ],
              "datatype"  : "FP32",
              "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ]
            }
          ]
        }
        """;

    // Triton extension_binary_data.md, "Examples": the JSON part of the request, verbatim.
    private const string BinaryRequestHeader = """
        {
          "model_name" : "mymodel",
          "inputs" : [
            {
              "name" : "input0",
              "shape" : [ 2, 2 ],
              "datatype" : "UINT32",
              "parameters" : {
                "binary_data_size" : 16
              }
            },
            {
              "name" : "input1",
              "shape" : [ 3 ],
              "datatype" : "BOOL",
              "parameters" : {
                "binary_data_size" : 3
              }
            }
          ],
          "outputs" : [
            {
              "name" : "output0",
              "parameters" : {
                "binary_data" : true
              }
            }
          ]
        }
        """;

    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("mymodel", 1, TestModels.SpecExample());
        _host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task KServe_request_example_as_written_is_refused_for_its_element_count()
    {
        var answer = await Wire.PostJsonAsync(_host.Http, "/v2/models/mymodel/infer", KServeRequestVerbatim);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("input1", answer.Error);
        Assert.Contains("needs 3 elements but 'data' holds 1", answer.Error);
    }

    [Fact]
    public async Task KServe_request_example_with_its_three_bools_gets_the_documented_response_shape()
    {
        var answer = await Wire.PostJsonAsync(_host.Http, "/v2/models/mymodel/infer", KServeRequestVerbatim.Replace("[ true ]", "[ true, false, true ]", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.Message.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(answer.Body);
        var root = document.RootElement;
        Assert.Equal("42", root.GetProperty("id").GetString());
        Assert.Equal("mymodel", root.GetProperty("model_name").GetString());
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("output0", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([3L, 2L], output.GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()));
        Assert.Equal([1f, 2f, 3f, 4f, 1f, 0f], output.GetProperty("data").EnumerateArray().Select(static e => e.GetSingle()));
    }

    [Fact]
    public void KServe_response_example_decodes()
    {
        var response = RestInferenceCodec.DecodeResponse(Encoding.UTF8.GetBytes(KServeResponseExample), null);

        Assert.Equal("42", response.Id);
        var output = Assert.Single(response.Outputs);
        Assert.Equal("FP32", output.Datatype);
        Assert.Equal([3L, 2L], output.Shape);
        Assert.Equal([1.0f, 1.1f, 2.0f, 2.1f, 3.0f, 3.1f], output.Value.Buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task Binary_extension_example_request_gets_the_documented_binary_response()
    {
        var header = Encoding.UTF8.GetBytes(BinaryRequestHeader);
        var body = new byte[header.Length + 19];
        header.CopyTo(body, 0);
        for (int i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(header.Length + (i * 4)), (uint)(i + 1));
        }

        body[header.Length + 16] = 1;
        body[header.Length + 17] = 0;
        body[header.Length + 18] = 1;

        var answer = await Wire.PostRawAsync(_host.Http, "/v2/models/mymodel/infer", body, header.Length, "application/octet-stream");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/octet-stream", answer.Message.Content.Headers.ContentType?.MediaType);
        int jsonLength = int.Parse(answer.Message.Headers.GetValues(ProtocolNames.InferenceHeaderContentLength).Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(jsonLength + 24, answer.Body.Length);
        Assert.Equal(answer.Body.Length, answer.Message.Content.Headers.ContentLength);
        using var document = JsonDocument.Parse(answer.Body.AsMemory(0, jsonLength));
        var output = Assert.Single(document.RootElement.GetProperty("outputs").EnumerateArray());
        Assert.Equal("output0", output.GetProperty("name").GetString());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
        Assert.Equal([3L, 2L], output.GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()));
        Assert.Equal(24, output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64());
        Assert.False(output.TryGetProperty("data", out _));
        var floats = new float[6];
        for (int i = 0; i < 6; i++)
        {
            floats[i] = BinaryPrimitives.ReadSingleLittleEndian(answer.Body.AsSpan(jsonLength + (i * 4)));
        }

        Assert.Equal([1f, 2f, 3f, 4f, 1f, 0f], floats);
    }

    [Fact]
    public async Task Server_metadata_follows_the_documented_object()
    {
        var answer = await Wire.GetAsync(_host.Http, "/v2");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        using var document = JsonDocument.Parse(answer.Body);
        Assert.Equal("modelkit", document.RootElement.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("version").GetString()));
        Assert.Contains("binary_tensor_data", document.RootElement.GetProperty("extensions").EnumerateArray().Select(static e => e.GetString()));
    }

    [Fact]
    public async Task Model_metadata_follows_the_documented_object()
    {
        var answer = await Wire.GetAsync(_host.Http, "/v2/models/mymodel");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        using var document = JsonDocument.Parse(answer.Body);
        var root = document.RootElement;
        Assert.Equal("mymodel", root.GetProperty("name").GetString());
        Assert.Equal(["1"], root.GetProperty("versions").EnumerateArray().Select(static e => e.GetString()));
        Assert.Equal("onnx_onnxv1", root.GetProperty("platform").GetString());
        var inputs = root.GetProperty("inputs").EnumerateArray().ToArray();
        Assert.Equal(["input0", "input1"], inputs.Select(static e => e.GetProperty("name").GetString()));
        Assert.Equal(["UINT32", "BOOL"], inputs.Select(static e => e.GetProperty("datatype").GetString()));
        Assert.Equal([2L, 2L], inputs[0].GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()));
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("FP32", output.GetProperty("datatype").GetString());
    }

    [Fact]
    public async Task Health_answers_by_status_code()
    {
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/health/live")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/health/ready")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/models/mymodel/ready")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/models/mymodel/versions/1/ready")).Status);

        // Triton (server src/http_server.cc HandleModelReady) answers ready ? 200 : 400, unknown models included; the protocol
        // says "a 4xx status code indicates false". tritonclient's is_model_ready returns status_code == 200.
        var unknown = await Wire.GetAsync(_host.Http, "/v2/models/nosuchmodel/ready");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("{\"ready\":false}", unknown.Text);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.GetAsync(_host.Http, "/v2/models/mymodel/versions/9/ready")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.GetAsync(_host.Http, "/v2/models/..%2F..%2Fetc/ready")).Status);
    }
}
