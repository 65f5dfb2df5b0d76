using System.Net;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server.Tests;

/// <summary><c>/metrics</c> exposes the server's and ModelKit's instruments in Prometheus text format after traffic.</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        _host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task Instruments_appear_with_their_tags_after_traffic()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Wire.PostJsonAsync(_host.Http, "/v2/models/two/infer", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""")).Status);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await Wire.PostJsonAsync(_host.Http, "/v2/models/two/infer", """{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3,4]}]}""")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Wire.PostJsonAsync(_host.Http, "/v2/models/random-name-123/infer", """{"inputs":[]}""")).Status);
        var grpc = new InferenceRequest { ModelName = "two" };
        grpc.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[4], 1, 4)));
        await _host.Grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(grpc));

        var answer = await Wire.GetAsync(_host.Http, "/metrics");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("text/plain", answer.Message.Content.Headers.ContentType?.MediaType);
        string text = answer.Text;

        Assert.Contains("# TYPE modelkit_server_requests_total counter", text);
        Assert.Contains("modelkit_server_requests_total{model=\"two\",outcome=\"success\",protocol=\"rest-json\"} 3", text);
        Assert.Contains("modelkit_server_requests_total{model=\"two\",outcome=\"success\",protocol=\"grpc\"} 1", text);
        Assert.Contains("modelkit_server_requests_total{model=\"two\",outcome=\"bad_request\",protocol=\"rest-json\"} 1", text);
        Assert.Contains("modelkit_server_failures_total{model=\"two\",protocol=\"rest-json\",reason=\"shape_mismatch\"} 1", text);
        // Unknown model names do not become tag values.
        Assert.Contains("modelkit_server_failures_total{model=\"unknown\",protocol=\"rest-json\",reason=\"model_not_found\"} 1", text);
        Assert.DoesNotContain("random-name-123", text);
        Assert.Contains("# TYPE modelkit_server_request_duration_seconds histogram", text);
        Assert.Contains("modelkit_server_request_duration_seconds_bucket{model=\"two\",outcome=\"success\",protocol=\"rest-json\",le=\"+Inf\"} 3", text);
        Assert.Contains("modelkit_server_compute_duration_seconds_count{model=\"two\"} 4", text);
        Assert.Contains("modelkit_server_overhead_duration_seconds_count{protocol=\"rest-json\"} 3", text);
        Assert.Contains("# TYPE modelkit_server_active_requests gauge", text);
        Assert.Contains("modelkit_server_active_requests{protocol=\"rest-json\"} 0", text);
        Assert.Contains("modelkit_server_model_loads_total{model=\"two\",outcome=\"loaded\"} 1", text);
        Assert.Contains("modelkit_inference_count_total{backend=\"onnxruntime\",model=\"two\",outcome=\"success\"}", text);
    }
}
