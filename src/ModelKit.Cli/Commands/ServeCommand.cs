using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelKit.Text.Serving;
using ModelKit.Vision.Serving;

namespace ModelKit.Cli.Commands;

/// <summary><c>modelkit serve &lt;repository&gt;</c>: serves a Triton-layout model folder over REST (HTTP/1.1) and gRPC (HTTP/2).</summary>
internal static class ServeCommand
{
    /// <summary>The environment variable read when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "MODELKIT_API_KEY";

    /// <summary>How long after SIGTERM the process may take to exit: the longest drain (1 hour) and the host's margin.</summary>
    public static readonly TimeSpan ProcessTerminationTimeout = TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var repository = new Argument<DirectoryInfo>("repository")
        {
            Description = "Model repository: <repository>/<model>/<version>/model.onnx, optional <repository>/<model>/config.json.",
        };
        var port = new Option<int>("--port") { Description = "REST port (HTTP/1.1).", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (HTTP/2); 0 turns gRPC off.", DefaultValueFactory = _ => 8001 };
        var host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (default), localhost, 0.0.0.0, ::, or an IP.", DefaultValueFactory = _ => "127.0.0.1" };
        var apiKey = new Option<string[]>("--api-key")
        {
            Description = $"API key clients must send (Authorization: Bearer <key> or x-api-key); repeat for several. Default: ${ApiKeyVariable}.",
            AllowMultipleArgumentsPerToken = false,
        };
        var noAuth = new Option<bool>("--no-auth") { Description = "Serve without API keys even on a non-loopback address." };
        var maxBody = new Option<long>("--max-body-size")
        {
            Description = "Largest request in bytes: REST body (Content-Length or chunked, and after Content-Encoding decompression) and gRPC message.",
            DefaultValueFactory = _ => 64L * 1024 * 1024,
        };
        var maxConcurrent = new Option<int>("--max-concurrent-inferences") { Description = "Inferences running at once across all models; more wait in the queue.", DefaultValueFactory = _ => 256 };
        var maxQueued = new Option<int>("--max-queued-inferences") { Description = "Inferences that may wait for a slot; more are answered 503 / UNAVAILABLE.", DefaultValueFactory = _ => 1024 };
        var maxElements = new Option<long>("--max-elements-per-tensor") { Description = "Most elements one request tensor may hold.", DefaultValueFactory = _ => 64L * 1024 * 1024 };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum log level.", DefaultValueFactory = _ => LogLevel.Information };
        var modelName = new Option<string?>("--model-name")
        {
            Description = $"Serve the one model in the repository folder under this name (KServe's storage layout: <repository>/model.onnx or <repository>/<version>/model.onnx, e.g. /mnt/models). Default: ${StorageLayout.ModelNameVariable}.",
        };
        var drainTimeout = new Option<double>("--drain-timeout")
        {
            Description = "Seconds to finish the requests in progress on shutdown (SIGTERM) after turning not-ready.",
            DefaultValueFactory = _ => 30,
        };

        var command = new Command("serve", "Serve a folder of ONNX models over the Open Inference Protocol (KServe v2: REST, binary tensors, gRPC).")
        {
            repository, port, grpcPort, host, apiKey, noAuth, maxBody, logLevel, maxConcurrent, maxQueued, maxElements,
            modelName, drainTimeout,
        };
        command.SetAction(async (result, cancellationToken) => await RunAsync(ReadSettings(result), Console.Error, cancellationToken).ConfigureAwait(false));
        return command;
    }

    /// <summary>The settings a parsed <c>modelkit serve</c> command line asks for.</summary>
    internal static ServeSettings ReadSettings(ParseResult result) =>
        new(
            result.GetRequiredValue<DirectoryInfo>("repository").FullName,
            result.GetValue<string>("--host") ?? "127.0.0.1",
            result.GetValue<int>("--port"),
            result.GetValue<int>("--grpc-port"),
            KeysFrom(result.GetValue<string[]>("--api-key")),
            result.GetValue<bool>("--no-auth"),
            result.GetValue<long>("--max-body-size"),
            result.GetValue<LogLevel>("--log-level"))
        {
            MaxConcurrentInferences = result.GetValue<int>("--max-concurrent-inferences"),
            MaxQueuedInferences = result.GetValue<int>("--max-queued-inferences"),
            MaxElementsPerTensor = result.GetValue<long>("--max-elements-per-tensor"),
            ModelName = StorageLayout.ModelNameFrom(result.GetValue<string?>("--model-name")),
            DrainTimeout = TimeSpan.FromSeconds(result.GetValue<double>("--drain-timeout")),
        };

    /// <summary>Builds the server application (not started). Returns null and writes why when the settings are refused.</summary>
    internal static WebApplication? Build(ServeSettings settings, TextWriter error)
    {
        if (!Directory.Exists(settings.Repository))
        {
            error.WriteLine($"modelkit serve: the repository '{settings.Repository}' is not a folder.");
            return null;
        }

        if (!TryParseHost(settings.Host, out var address))
        {
            error.WriteLine($"modelkit serve: --host '{settings.Host}' is not an IP address or 'localhost'.");
            return null;
        }

        bool loopback = address is null || IPAddress.IsLoopback(address);
        if (!loopback && settings.ApiKeys.Count == 0 && !settings.NoAuth)
        {
            error.WriteLine($"modelkit serve: refusing to listen on {settings.Host} without an API key. Pass --api-key <key> (or set {ApiKeyVariable}), or --no-auth to serve without keys on purpose.");
            return null;
        }

        if (settings.ApiKeys.Count > 0 && settings.NoAuth)
        {
            error.WriteLine("modelkit serve: --api-key and --no-auth contradict each other.");
            return null;
        }

        if (!StorageLayout.TryResolve(settings.Repository, settings.ModelName, out var layout, out string? layoutError))
        {
            error.WriteLine($"modelkit serve: {layoutError}");
            return null;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", settings.LogLevel > LogLevel.Warning ? settings.LogLevel : LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.MaxBodySize;
            Listen(kestrel, address, settings.Port, HttpProtocols.Http1);
            if (settings.GrpcPort > 0)
            {
                Listen(kestrel, address, settings.GrpcPort, HttpProtocols.Http2);
            }
        });
        builder.Services.AddModelKitServer(options =>
        {
            options.RepositoryPath = layout.RepositoryPath;
            options.DrainTimeout = settings.DrainTimeout;
            options.MaxRequestBodySize = settings.MaxBodySize;
            options.MaxConcurrentInferences = settings.MaxConcurrentInferences;
            options.MaxQueuedInferences = settings.MaxQueuedInferences;
            options.MaxElementsPerTensor = settings.MaxElementsPerTensor;
            options.DisableAuthentication = settings.NoAuth;
            foreach (var key in settings.ApiKeys)
            {
                options.ApiKeys.Add(key);
            }
        });
        // Repository models whose config.json names processing (modelkit pull minilm | paddleocr) are served as pipelines.
        builder.Services.AddModelKit(kit => kit.AddTextEmbeddingPipelines().AddOcrPipelines());
        if (layout.SingleModel is { } single)
        {
            builder.Services.AddModelKit(kit => kit.AddModel(single.Name, o => o.Path = single.Path));
        }

        var app = builder.Build();
        app.MapModelKit();
        return app;
    }

    private static async Task<int> RunAsync(ServeSettings settings, TextWriter error, CancellationToken cancellationToken)
    {
        var app = Build(settings, error);
        if (app is null)
        {
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or Microsoft.Extensions.Options.OptionsValidationException)
            {
                error.WriteLine($"modelkit serve: {ex.Message}");
                return 1;
            }
        }
    }

    private static void Listen(KestrelServerOptions kestrel, IPAddress? address, int port, HttpProtocols protocols)
    {
        if (address is null)
        {
            kestrel.ListenLocalhost(port, o => o.Protocols = protocols);
        }
        else
        {
            kestrel.Listen(address, port, o => o.Protocols = protocols);
        }
    }

    private static bool TryParseHost(string host, out IPAddress? address)
    {
        address = null;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (host is "*" or "+")
        {
            address = IPAddress.Any;
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out address);
    }

    private static List<string> KeysFrom(string[]? given)
    {
        var keys = (given ?? []).Where(static k => !string.IsNullOrWhiteSpace(k)).ToList();
        if (keys.Count == 0 && Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment)
        {
            keys.Add(fromEnvironment);
        }

        return keys;
    }
}

/// <summary>The settings of <c>modelkit serve</c>.</summary>
internal sealed record ServeSettings(string Repository, string Host, int Port, int GrpcPort, IReadOnlyList<string> ApiKeys, bool NoAuth, long MaxBodySize, LogLevel LogLevel)
{
    /// <summary>Inferences running at once (<see cref="ModelKit.Server.ModelKitServerOptions.MaxConcurrentInferences"/>).</summary>
    public int MaxConcurrentInferences { get; init; } = 256;

    /// <summary>Inferences waiting for a slot (<see cref="ModelKit.Server.ModelKitServerOptions.MaxQueuedInferences"/>).</summary>
    public int MaxQueuedInferences { get; init; } = 1024;

    /// <summary>Elements per request tensor (<see cref="ModelKit.Server.ModelKitServerOptions.MaxElementsPerTensor"/>).</summary>
    public long MaxElementsPerTensor { get; init; } = 64L * 1024 * 1024;

    /// <summary>Serve the repository folder's one model under this name (KServe's storage layout); null: a Triton-layout repository.</summary>
    public string? ModelName { get; init; }

    /// <summary>How long shutdown waits for the requests in progress.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
