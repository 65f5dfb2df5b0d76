using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.OnnxFormat;
using ModelKit.Server;

namespace ModelKit.Benchmarks;

// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*Remote*'
// One process hosts a ModelKit server on loopback (REST on an HTTP/1.1 port, gRPC on an HTTP/2 port) and calls it through the
// same generated client as the local run; only the configuration differs.

/// <summary>One MNIST call through the generated client: in-process vs. a loopback server over each protocol.</summary>
[MemoryDiagnoser]
public class RemoteMnistSingleCall
{
    private readonly float[] _logits = new float[10];
    private readonly float[] _pixels = new float[784];
    private LoopbackServer _server = null!;
    private ServiceProvider _services = null!;
    private IMnistBench _client = null!;

    [Params("local", "rest-json", "rest-binary", "grpc")]
    public string Backend { get; set; } = "local";

    [GlobalSetup]
    public void Setup()
    {
        string path = BenchmarkModels.Shared("mnist.onnx");
        var random = new Random(7);
        for (int i = 0; i < _pixels.Length; i++)
        {
            _pixels[i] = random.Next(256);
        }

        _server = LoopbackServer.Start(kit => kit.AddModel("mnist", o => o.Path = path));
        _services = RemoteBenchmarkClients.Create("mnist", Backend, path, _server, kit => kit.AddModel<IMnistBench>());
        _client = _services.GetRequiredService<IMnistBench>();
        _client.Predict(_pixels, _logits);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _server.Dispose();
    }

    [Benchmark(Description = "MNIST, one call")]
    public void Predict() => _client.Predict(_pixels, _logits);
}

/// <summary>A 1 MiB FP32 tensor (262,144 floats) through an Identity model, sent and received over each protocol.</summary>
[MemoryDiagnoser]
public class RemoteLargeTensor
{
    public const int Elements = 256 * 1024;

    private readonly float[] _input = new float[Elements];
    private readonly float[] _output = new float[Elements];
    private LoopbackServer _server = null!;
    private ServiceProvider _services = null!;
    private IBigIdentity _client = null!;

    [Params("local", "rest-json", "rest-binary", "grpc")]
    public string Backend { get; set; } = "rest-binary";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)random.NextDouble();
        }

        string path = Path.Combine(Path.GetTempPath(), $"modelkit-bench-identity-{Elements}-{Environment.ProcessId}.onnx");
        new OnnxGraphBuilder("big")
            .AddInput("x", OnnxDataType.Float, [1, Elements])
            .AddNode("Identity", ["x"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [1, Elements])
            .Save(path);
        _server = LoopbackServer.Start(kit => kit.AddModel("big", o => o.Path = path));
        _services = RemoteBenchmarkClients.Create("big", Backend, path, _server, kit => kit.AddModel<IBigIdentity>());
        _client = _services.GetRequiredService<IBigIdentity>();
        _client.Echo(_input, _output);
        if (!_input.AsSpan().SequenceEqual(_output))
        {
            throw new InvalidOperationException($"The 1 MiB tensor did not come back intact over {Backend}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _server.Dispose();
    }

    [Benchmark(Description = "1 MiB FP32 round trip")]
    public void Echo() => _client.Echo(_input, _output);
}

[ModelContract("big")]
public partial interface IBigIdentity
{
    void Echo([Tensor("x", 1, RemoteLargeTensor.Elements)] ReadOnlyMemory<float> x, [Output, Tensor("y", 1, RemoteLargeTensor.Elements)] Memory<float> y);
}

internal static class RemoteBenchmarkClients
{
    /// <summary>A client container whose only difference between local and remote is configuration.</summary>
    public static ServiceProvider Create(string model, string backend, string path, LoopbackServer server, Action<ModelKitBuilder> register)
    {
        var settings = new Dictionary<string, string?>();
        if (backend == "local")
        {
            settings[$"ModelKit:Models:{model}:Path"] = path;
        }
        else
        {
            settings[$"ModelKit:Models:{model}:Endpoint"] = backend == "grpc" ? server.Grpc : server.Rest;
            settings[$"ModelKit:Models:{model}:Protocol"] = backend;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        register(services.AddModelKit(configuration.GetSection("ModelKit")));
        return services.BuildServiceProvider();
    }
}

/// <summary>A ModelKit server on loopback ports chosen by the OS.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly WebApplication _app;
    private readonly System.Diagnostics.Metrics.MeterListener _overhead = new();
    private double _overheadSum;
    private long _overheadCount;

    private LoopbackServer(WebApplication app, string rest, string grpc)
    {
        _app = app;
        Rest = rest;
        Grpc = grpc;

        // Server-side overhead as the server measures it: time in the handler minus queue and model compute.
        _overhead.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "modelkit.server.overhead.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _overhead.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            lock (_overhead)
            {
                _overheadSum += seconds;
                _overheadCount++;
            }
        });
        _overhead.Start();
    }

    public string Rest { get; }

    public string Grpc { get; }

    public static LoopbackServer Start(Action<ModelKitBuilder> models, Action<ModelKitServerOptions>? server = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        ListenOptions? rest = null;
        ListenOptions? grpc = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                rest = o;
            });
            kestrel.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                grpc = o;
            });
        });
        builder.Services.AddModelKitServer(o =>
        {
            o.WarmupRuns = 1;
            server?.Invoke(o);
        });
        models(builder.Services.AddModelKit());
        var app = builder.Build();
        app.MapModelKit();
        app.StartAsync().GetAwaiter().GetResult();
        app.Services.GetRequiredService<ModelServer>().StartupCompleted.WaitAsync(TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
        return new LoopbackServer(app, $"http://127.0.0.1:{rest!.IPEndPoint!.Port}", $"http://127.0.0.1:{grpc!.IPEndPoint!.Port}");
    }

    public void Dispose()
    {
        _overhead.Dispose();
        if (_overheadCount > 0)
        {
            // BenchmarkDotNet shows this in the log of each case.
            Console.WriteLine($"// server overhead: mean {_overheadSum / _overheadCount * 1e6:F1} us over {_overheadCount} requests");
        }

        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
