using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Remote.Tests.Conformance;

/// <summary>One recorded REST answer: status, headers and body bytes, sent as recorded (optionally chunked).</summary>
internal sealed record RecordedHttpResponse(byte[] Body, string? ContentType, IReadOnlyDictionary<string, string>? Headers = null, int Status = 200)
{
    public static RecordedHttpResponse Json(byte[] body) => new(body, "application/json");
}

/// <summary>What the client sent: for asserting the client's side of a conversation (binary extension used or not).</summary>
internal sealed record RecordedRequest(string Method, string Path, string? ContentType, string? InferenceHeaderContentLength, int BodyLength);

/// <summary>
/// A real Kestrel server on loopback that answers a client with recorded bodies: REST (HTTP/1.1) from
/// <see cref="RecordedHttpResponse"/>s keyed by path, gRPC (HTTP/2) from recorded <c>inference.*</c> messages. It records
/// every request it receives. Used to run the real ModelKit client against what other servers send.
/// </summary>
internal sealed class ReplayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReplayServer(WebApplication app, ReplayScript script, Uri rest, Uri grpc)
    {
        _app = app;
        Script = script;
        RestAddress = rest;
        GrpcAddress = grpc;
    }

    public ReplayScript Script { get; }

    public Uri RestAddress { get; }

    public Uri GrpcAddress { get; }

    public string EndpointFor(string protocol) => (protocol == "grpc" ? GrpcAddress : RestAddress).ToString().TrimEnd('/');

    public static async Task<ReplayServer> StartAsync(ReplayScript script)
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
        builder.Services.AddSingleton(script);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<ReplayInferenceService>();
        app.MapFallback(context => ServeAsync(context, script));
        await app.StartAsync().ConfigureAwait(false);
        return new ReplayServer(app, script, new Uri($"http://127.0.0.1:{rest!.IPEndPoint!.Port}"), new Uri($"http://127.0.0.1:{grpc!.IPEndPoint!.Port}"));
    }

    private static async Task ServeAsync(HttpContext context, ReplayScript script)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        script.Requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? string.Empty, request.ContentType,
            request.Headers["Inference-Header-Content-Length"].FirstOrDefault(), (int)body.Length));
        bool infer = request.Path.Value?.EndsWith("/infer", StringComparison.Ordinal) == true;
        if (infer && script.InferFault is { } fault)
        {
            await fault(context).ConfigureAwait(false);
            return;
        }

        if (!(infer && script.InferFirst.TryDequeue(out var recorded)) && !script.Rest.TryGetValue(request.Path.Value ?? string.Empty, out recorded))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("{\"error\":\"not recorded\"}", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        response.StatusCode = recorded.Status;
        if (recorded.ContentType is not null)
        {
            response.ContentType = recorded.ContentType;
        }

        foreach (var (name, value) in recorded.Headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }

        if (script.Chunked)
        {
            // No Content-Length: Kestrel sends HTTP/1.1 chunked. Several chunks, split inside the JSON and the binary data.
            int step = Math.Max(1, recorded.Body.Length / 5);
            for (int i = 0; i < recorded.Body.Length; i += step)
            {
                await response.Body.WriteAsync(recorded.Body.AsMemory(i, Math.Min(step, recorded.Body.Length - i)), context.RequestAborted).ConfigureAwait(false);
                await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }
        else
        {
            response.ContentLength = recorded.Body.Length;
            await response.Body.WriteAsync(recorded.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What a <see cref="ReplayServer"/> answers, and what it received.</summary>
internal sealed class ReplayScript
{
    /// <summary>REST answers by request path (<c>/v2</c>, <c>/v2/models/add</c>, <c>/v2/models/add/infer</c>).</summary>
    public Dictionary<string, RecordedHttpResponse> Rest { get; } = new(StringComparer.Ordinal);

    /// <summary>Send REST bodies with <c>Transfer-Encoding: chunked</c> instead of <c>Content-Length</c>.</summary>
    public bool Chunked { get; set; }

    public ModelMetadataResponse? GrpcModelMetadata { get; set; }

    public ModelInferResponse? GrpcInfer { get; set; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers given to the next REST infer requests, before the recorded one (503 storms, Retry-After).</summary>
    public ConcurrentQueue<RecordedHttpResponse> InferFirst { get; } = new();

    /// <summary>Replaces the REST infer answer: a fault (stall, abort) acted on the real connection.</summary>
    public Func<HttpContext, Task>? InferFault { get; set; }

    /// <summary>Replaces the gRPC infer answer: a fault acted on the real call.</summary>
    public Func<ServerCallContext, Task<ModelInferResponse>>? GrpcInferFault { get; set; }

    public int InferCount => Requests.Count(static r => r.Path.EndsWith("/infer", StringComparison.Ordinal)) + GrpcInferRequests.Count;

    public ConcurrentQueue<ModelInferRequest> GrpcInferRequests { get; } = new();
}

/// <summary>gRPC <c>inference.GRPCInferenceService</c> answering with the script's recorded messages.</summary>
internal sealed class ReplayInferenceService(ReplayScript script) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        script.GrpcModelMetadata is { } recorded ? Task.FromResult(recorded) : throw new RpcException(new Status(StatusCode.NotFound, "not recorded"));

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        script.GrpcInferRequests.Enqueue(request);
        if (script.GrpcInferFault is { } fault)
        {
            return fault(context);
        }

        return script.GrpcInfer is { } recorded ? Task.FromResult(recorded) : throw new RpcException(new Status(StatusCode.NotFound, "not recorded"));
    }
}

/// <summary>Reads corpus files from the test output's <c>Conformance</c> folder.</summary>
internal static class Corpus
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Conformance", file);

    public static byte[] Bytes(string file) => File.ReadAllBytes(PathOf(file));

    /// <summary>A gRPC message from its proto3 JSON mapping.</summary>
    public static T Grpc<T>(string file)
        where T : IMessage<T>, new() =>
        JsonParser.Default.Parse<T>(File.ReadAllText(PathOf(file)));
}
