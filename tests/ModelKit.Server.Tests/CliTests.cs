using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelKit.Cli.Commands;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Server.Tests;

/// <summary>The <c>modelkit</c> tool's inspect and serve commands.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public void Inspect_prints_datatypes_and_shapes()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        var file = new FileInfo(Path.Combine(_repository.Root, "two", "1", "model.onnx"));
        var output = new StringWriter();

        Assert.Equal(0, InspectCommand.Run(file, json: false, output, TextWriter.Null));
        string text = output.ToString();
        Assert.Contains("inputs:", text);
        Assert.Matches(@"x\s+FP32\s+\[-1,4\]\s+dims \[N,4\]", text);
        Assert.Matches(@"double\s+FP32\s+\[-1,4\]", text);
        Assert.Matches(@"negated\s+FP32\s+\[-1,4\]", text);

        var json = new StringWriter();
        Assert.Equal(0, InspectCommand.Run(file, json: true, json, TextWriter.Null));
        var metadata = JsonSerializer.Deserialize(json.ToString(), ProtocolJsonContext.Default.ModelMetadataResponse)!;
        Assert.Equal("model", metadata.Name);
        Assert.Equal(["double", "negated"], metadata.Outputs.Select(static o => o.Name));
        Assert.Equal([-1L, 4L], metadata.Inputs[0].Shape);
    }

    [Fact]
    public void Inspect_reports_missing_and_invalid_files()
    {
        var error = new StringWriter();
        Assert.Equal(2, InspectCommand.Run(new FileInfo(Path.Combine(_repository.Root, "none.onnx")), false, TextWriter.Null, error));
        Assert.Contains("no file", error.ToString());

        string junk = Path.Combine(_repository.Root, "junk.onnx");
        File.WriteAllBytes(junk, [0xFF, 0xFF, 0xFF, 0x01]);
        var error2 = new StringWriter();
        Assert.Equal(1, InspectCommand.Run(new FileInfo(junk), false, TextWriter.Null, error2));
        Assert.Contains("not a valid ONNX model", error2.ToString());
    }

    [Fact]
    public async Task Bench_loads_a_local_model_and_reports_throughput_and_percentiles_with_no_errors()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        string file = Path.Combine(_repository.Root, "two", "1", "model.onnx");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = await BenchCommand.RunAsync(file, null, "rest-binary", null, concurrency: 2, seconds: 1, batch: 4, intraOp: 1, dynamicBatching: 0, [],
            output, error, CancellationToken.None);

        Assert.True(code == 0, error.ToString() + output);
        string text = output.ToString();
        Assert.Contains("x [4,4]", text);
        var match = System.Text.RegularExpressions.Regex.Match(text, @"requests/s (\d+\.\d) +rows/s (\d+\.\d) +p50 [\d.]+ ms +p90 [\d.]+ ms +p99 [\d.]+ ms +errors 0");
        Assert.True(match.Success, text);
        Assert.True(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Bench_explains_a_bad_target()
    {
        var error = new StringWriter();
        Assert.Equal(2, await BenchCommand.RunAsync(Path.Combine(_repository.Root, "missing.onnx"), null, "rest-binary", null, 1, 1, 1, 0, 0, [],
            TextWriter.Null, error, CancellationToken.None));
        Assert.Contains("neither an .onnx file nor an http(s) URL", error.ToString());

        var error2 = new StringWriter();
        Assert.Equal(2, await BenchCommand.RunAsync("http://127.0.0.1:9", null, "rest-binary", null, 1, 1, 1, 0, 0, [],
            TextWriter.Null, error2, CancellationToken.None));
        Assert.Contains("--name", error2.ToString());
    }

    [Fact]
    public async Task Serve_refuses_a_public_address_without_a_key_and_serves_the_repository_otherwise()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        var error = new StringWriter();
        Assert.Null(ServeCommand.Build(Settings("0.0.0.0", [], noAuth: false), error));
        Assert.Contains("refusing to listen on 0.0.0.0 without an API key", error.ToString());
        Assert.Null(ServeCommand.Build(Settings("not-an-ip", [], noAuth: false), TextWriter.Null));
        Assert.Null(ServeCommand.Build(Settings("127.0.0.1", ["some-long-key"], noAuth: true), TextWriter.Null));

        int port = FreePort();
        await using var app = ServeCommand.Build(Settings("127.0.0.1", [], noAuth: false) with { Port = port, GrpcPort = 0 }, TextWriter.Null)!;
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await app.Services.GetRequiredService<ModelServer>().WaitUntilReadyAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var answer = await Wire.PostJsonAsync(http, "/v2/models/two/infer", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""");
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.Status);
        await app.StopAsync();
    }

    private ServeSettings Settings(string host, string[] keys, bool noAuth) =>
        new(_repository.Root, host, 0, 0, keys, noAuth, 1024 * 1024, LogLevel.Warning);

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary><c>modelkit serve</c>'s limits reach the server's options.</summary>
public sealed class ServeOptionsTests : IDisposable
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Concurrency_queue_and_element_limits_are_settable_from_the_command_line()
    {
        var parsed = ServeCommand.Create().Parse([_repository.Root, "--port", "0", "--grpc-port", "0", "--max-concurrent-inferences", "3",
            "--max-queued-inferences", "5", "--max-elements-per-tensor", "777", "--max-body-size", "2048"]);
        Assert.Empty(parsed.Errors);
        var settings = ServeCommand.ReadSettings(parsed);
        await using var app = ServeCommand.Build(settings, TextWriter.Null)!;
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ModelKitServerOptions>>().Value;
        Assert.Equal(3, options.MaxConcurrentInferences);
        Assert.Equal(5, options.MaxQueuedInferences);
        Assert.Equal(777, options.MaxElementsPerTensor);
        Assert.Equal(2048, options.MaxRequestBodySize);
        Assert.Equal(777, app.Services.GetRequiredService<ModelServer>().Limits.MaxElementsPerTensor);

        var defaults = ServeCommand.ReadSettings(ServeCommand.Create().Parse([_repository.Root]));
        Assert.Equal(256, defaults.MaxConcurrentInferences);
        Assert.Equal(1024, defaults.MaxQueuedInferences);
        Assert.Equal(64L * 1024 * 1024, defaults.MaxElementsPerTensor);
    }
}
