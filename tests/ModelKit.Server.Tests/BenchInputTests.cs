using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Cli.Commands;

namespace ModelKit.Server.Tests;

/// <summary>
/// <c>modelkit bench --input</c> against a real server (Kestrel, REST binary, REST JSON and gRPC) serving a pipeline with a binary BYTES
/// input and a text BYTES input: every request carries the file's bytes and the text, as given, not empty strings.
/// </summary>
public sealed class BenchInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelkit-bench-input-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(TestHost Host, Recorder Recorder)> StartAsync()
    {
        var recorder = new Recorder();
        var host = await TestHost.StartAsync(
            configure: static o => o.WarmupRuns = 0,
            models: kit => kit.AddBackendProvider<RecordingProvider>().AddModel("recorder", o =>
            {
                o.Path = _folder;
                o.Processing = new ProcessingOptions { Kind = RecordingProvider.Kind };
            }),
            services: s => s.AddSingleton(recorder));
        return (host, recorder);
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("rest-json")]
    [InlineData("grpc")]
    public async Task Bench_sends_a_files_bytes_and_a_text_as_given(string protocol)
    {
        var (host, recorder) = await StartAsync();
        await using var _ = host;
        byte[] file = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x00, 0xFF, 0x80, 0x0A, 0x0D, 0x7F];
        string path = Path.Combine(_folder, "data.bin");
        await File.WriteAllBytesAsync(path, file);
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await BenchCommand.RunAsync(host.EndpointFor(protocol), "recorder", protocol, null, concurrency: 2, seconds: 1, batch: 3, intraOp: 0,
            dynamicBatching: 0, [$"data=@{path}", "text=naïve café ☕"], output, error, CancellationToken.None);

        Assert.True(code == 0, error.ToString() + output);
        Assert.Contains($"data [3] = @{path} (10 bytes)", output.ToString());
        Assert.Contains("text [3] = naïve café ☕", output.ToString());
        Assert.Contains("errors 0", output.ToString());
        Assert.True(recorder.Requests.Count > 1, output.ToString());
        foreach (var (data, text) in recorder.Requests)
        {
            Assert.Equal(3, data.Length);
            Assert.All(data, d => Assert.Equal(file, d));
            Assert.Equal(["naïve café ☕", "naïve café ☕", "naïve café ☕"], text);
        }
    }

    [Fact]
    public async Task Without_input_data_the_elements_are_empty_and_bad_input_data_is_explained()
    {
        var (host, recorder) = await StartAsync();
        await using var _ = host;
        string endpoint = host.EndpointFor("rest-binary");

        Assert.Equal(0, await BenchCommand.RunAsync(endpoint, "recorder", "rest-binary", null, 1, 1, 1, 0, 0, [], TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.All(recorder.Requests, static r => Assert.Equal(string.Empty, Assert.Single(r.Text)));

        async Task<string> Refused(params string[] inputs)
        {
            var error = new StringWriter();
            Assert.Equal(2, await BenchCommand.RunAsync(endpoint, "recorder", "rest-binary", null, 1, 1, 1, 0, 0, inputs, TextWriter.Null, error, CancellationToken.None));
            return error.ToString();
        }

        Assert.Contains("the model has no such input (inputs: data, text)", await Refused("image=@x.png"));
        Assert.Contains("is not NAME=VALUE", await Refused("data"));
        Assert.Contains("no such file", await Refused($"data=@{Path.Combine(_folder, "missing.png")}"));
    }

    [Fact]
    public async Task A_numeric_input_is_filled_with_the_number()
    {
        var repository = TestModels.NewRepository();
        try
        {
            repository.Add("two", 1, TestModels.TwoOutputs());
            string file = Path.Combine(repository.Root, "two", "1", "model.onnx");
            var output = new StringWriter();
            Assert.Equal(0, await BenchCommand.RunAsync(file, null, "rest-binary", null, 1, 1, 2, 1, 0, ["x=2.5"], output, TextWriter.Null, CancellationToken.None));
            Assert.Contains("x [2,4] = 2.5", output.ToString());

            var error = new StringWriter();
            Assert.Equal(2, await BenchCommand.RunAsync(file, null, "rest-binary", null, 1, 1, 1, 1, 0, ["x=abc"], TextWriter.Null, error, CancellationToken.None));
            Assert.Contains("input 'x' is FLOAT; give a number", error.ToString());
        }
        finally
        {
            repository.Dispose();
        }
    }

    /// <summary>What the served pipeline received, request by request.</summary>
    public sealed class Recorder
    {
        public ConcurrentQueue<(byte[][] Data, string[] Text)> Requests { get; } = new();
    }

    public sealed class RecordingProvider() : PipelineBackendProvider<RecordingPipeline>(Kind)
    {
        public const string Kind = "recording";

        protected override RecordingPipeline Build(PipelineBuildContext context) =>
            new(context.ModelName, context.Services.GetRequiredService<Recorder>());
    }

    /// <summary><c>data</c> binary BYTES [N], <c>text</c> BYTES [N] → <c>length</c> INT64 [N] (bytes per data element); records each request.</summary>
    public sealed class RecordingPipeline(string modelName, Recorder recorder) : PipelineBackend(modelName)
    {
        public override ModelSignature Signature { get; } = new(
            [new TensorInfo("data", TensorElementType.Binary, [-1]), new TensorInfo("text", TensorElementType.String, [-1])],
            [new TensorInfo("length", TensorElementType.Int64, [-1])]);

        public override string Description => "recording pipeline";

        protected override string BackendName => "recording";

        protected override ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
        {
            var data = inputs[0].Buffer.AsSpan<ReadOnlyMemory<byte>>().ToArray().Select(static d => d.ToArray()).ToArray();
            var text = inputs[1].Buffer.AsSpan<string>().ToArray();
            recorder.Requests.Enqueue((data, text));
            return ValueTask.FromResult<TensorValue[]>([TensorValue.Create(data.Select(static d => (long)d.Length).ToArray(), data.Length)]);
        }
    }
}
