using System.Net;
using System.Text.Json;
using Grpc.Core;
using ModelKit.Onnx;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Testing;

namespace ModelKit.Server.Tests;

/// <summary>MNIST registered with ModelKit (AddModel with a Path) and a two-output model from a repository, served together.</summary>
public sealed class MnistServerTests : IAsyncLifetime
{
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost? _host;
    private string? _mnistPath;

    private TestHost Host => _host ?? throw new SkipException("shared data missing");

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        var shared = SharedData.Root;
        _mnistPath = shared is null ? null : Path.Combine(shared, "models", "mnist.onnx");
        if (_mnistPath is not null && !File.Exists(_mnistPath))
        {
            _mnistPath = null;
        }

        _host = await TestHost.StartAsync(
            o => o.RepositoryPath = _repository.Root,
            kit =>
            {
                if (_mnistPath is not null)
                {
                    kit.AddModel("mnist", o =>
                    {
                        o.Path = _mnistPath;
                        o.IntraOpThreads = 1;
                    });
                }
            });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _repository.Dispose();
    }

    [SkippableFact]
    public async Task Health_metadata_and_readiness_describe_mnist()
    {
        SharedData.Require("models/mnist.onnx");
        Assert.True(Host.Server.IsReady);
        var live = await Wire.GetAsync(Host.Http, "/v2/health/live");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Equal("""{"live":true}""", live.Text);
        var ready = await Wire.GetAsync(Host.Http, "/v2/health/ready");
        Assert.Equal("""{"ready":true}""", ready.Text);

        var metadata = await Wire.GetAsync(Host.Http, "/v2/models/mnist");
        Assert.Equal(HttpStatusCode.OK, metadata.Status);
        using var document = JsonDocument.Parse(metadata.Body);
        var input = Assert.Single(document.RootElement.GetProperty("inputs").EnumerateArray());
        Assert.Equal("Input3", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([1L, 1L, 28L, 28L], input.GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()));
        var output = Assert.Single(document.RootElement.GetProperty("outputs").EnumerateArray());
        Assert.Equal("Plus214_Output_0", output.GetProperty("name").GetString());

        var two = await Wire.GetAsync(Host.Http, "/v2/models/two/versions/1");
        using var twoDocument = JsonDocument.Parse(two.Body);
        Assert.Equal([-1L, 4L], twoDocument.RootElement.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(static e => e.GetInt64()));

        var grpcMetadata = await Host.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "mnist" });
        Assert.Equal("FP32", grpcMetadata.Inputs[0].Datatype);
        Assert.Equal([1L, 1L, 28L, 28L], grpcMetadata.Inputs[0].Shape);
        Assert.True((await Host.Grpc.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await Host.Grpc.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await Host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "mnist" })).Ready);
        var server = await Host.Grpc.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Contains("binary_tensor_data", server.Extensions);
    }

    [SkippableFact]
    public async Task Every_protocol_returns_the_logits_the_local_session_computes()
    {
        string path = SharedData.Require("models/mnist.onnx");
        var pixels = new float[784];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (i * 37 % 255) * ((i / 28 is > 5 and < 22) && (i % 28 is > 8 and < 18) ? 1f : 0f);
        }

        float[] expected;
        using (var local = OnnxModelBackend.Load("mnist", path, new ModelOptions { IntraOpThreads = 1 }))
        using (var client = new DynamicModelClient(local))
        {
            expected = client.Run([new NamedTensor("Input3", TensorValue.Create(pixels, 1, 1, 28, 28))])[0].Value.Buffer.AsSpan<float>().ToArray();
        }

        foreach (bool binary in new[] { false, true })
        {
            var request = new InferenceRequest { Id = binary ? "bin" : "json", BinaryDataOutput = binary };
            request.Inputs.Add(new InferTensor("Input3", TensorValue.Create(pixels, 1, 1, 28, 28)) { Binary = binary });
            var answer = await Wire.InferAsync(Host.Http, "mnist", request);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal(request.Id, answer.Response!.Id);
            Assert.Equal([1L, 10L], answer.Response.Outputs[0].Shape);
            Assert.Equal(expected, answer.Response.Outputs[0].Value.Buffer.AsSpan<float>().ToArray());
        }

        var grpcRequest = new InferenceRequest { ModelName = "mnist", Id = "grpc" };
        grpcRequest.Inputs.Add(new InferTensor("Input3", TensorValue.Create(pixels, 1, 1, 28, 28)));
        var reply = GrpcInferenceCodec.DecodeResponse(await Host.Grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(grpcRequest)));
        Assert.Equal("grpc", reply.Id);
        Assert.Equal(expected, reply.Outputs[0].Value.Buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task Outputs_subset_id_and_versions_are_honoured()
    {
        var request = new InferenceRequest
        {
            Id = "subset-1",
            Outputs = [new InferRequestedOutput("negated", binaryData: true)],
            Parameters = new() { ["custom"] = "value" },
        };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f }, 2, 4)));

        var answer = await Wire.InferAsync(Host.Http, "two", request, version: "1");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("subset-1", answer.Response!.Id);
        Assert.Equal("1", answer.Response.ModelVersion);
        var output = Assert.Single(answer.Response.Outputs);
        Assert.Equal("negated", output.Name);
        Assert.True(output.Binary);
        Assert.Equal([-1f, -2f, -3f, -4f, -5f, -6f, -7f, -8f], output.Value.Buffer.AsSpan<float>().ToArray());

        // Both outputs, in the order asked, one binary and one JSON.
        request.Outputs = [new InferRequestedOutput("negated", binaryData: false), new InferRequestedOutput("double", binaryData: true)];
        var both = await Wire.InferAsync(Host.Http, "two", request);
        Assert.Equal(["negated", "double"], both.Response!.Outputs.Select(static o => o.Name));
        Assert.False(both.Response.Outputs[0].Binary);
        Assert.True(both.Response.Outputs[1].Binary);
        Assert.Equal([2f, 4f, 6f, 8f, 10f, 12f, 14f, 16f], both.Response.Outputs[1].Value.Buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task Stream_infer_answers_each_request_and_carries_errors_without_ending_the_stream()
    {
        using var call = Host.Grpc.ModelStreamInfer();
        for (int i = 0; i < 3; i++)
        {
            var request = new InferenceRequest { ModelName = i == 1 ? "missing-model" : "two", Id = $"s{i}" };
            request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { i, 0f, 0f, 0f }, 1, 4)));
            await call.RequestStream.WriteAsync(GrpcInferenceCodec.EncodeRequest(request));
        }

        await call.RequestStream.CompleteAsync();
        var answers = new List<ModelStreamInferResponse>();
        await foreach (var answer in call.ResponseStream.ReadAllAsync())
        {
            answers.Add(answer);
        }

        Assert.Equal(3, answers.Count);
        Assert.Equal("s0", answers[0].InferResponse.Id);
        Assert.Contains("missing-model", answers[1].ErrorMessage);
        Assert.Equal("s2", answers[2].InferResponse.Id);
        Assert.Equal(4f, GrpcInferenceCodec.DecodeResponse(answers[2].InferResponse).Outputs[0].Value.Buffer.AsSpan<float>()[0]);
    }
}
