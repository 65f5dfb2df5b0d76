using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;
using ModelKit.Protocol.Rest;

namespace ModelKit.Server;

/// <summary>The REST handlers of the Open Inference Protocol (plain <see cref="RequestDelegate"/>s: no reflection, no model binding).</summary>
internal sealed class RestEndpoints(
    ModelServer server,
    ServerMetrics metrics,
    HealthCheckService health,
    ILogger<RestEndpoints> logger)
{
    private const string RestJson = "rest-json";
    private const string RestBinary = "rest-binary";

    /// <summary>The largest body of a repository request (index, load, unload): a small JSON object.</summary>
    private const int ControlBodyLimit = 64 * 1024;

    public Task Live(HttpContext context) => Health(context, ModelKitHealthTags.Live, live: true);

    public Task Ready(HttpContext context) => Health(context, ModelKitHealthTags.Ready, live: false);

    public Task ServerMetadata(HttpContext context) =>
        Write(context, StatusCodes.Status200OK, server.GetServerMetadata(), ProtocolJsonContext.Relaxed.ServerMetadataResponse);

    public Task ModelMetadata(HttpContext context) => Guard(context, () =>
        Write(context, StatusCodes.Status200OK, server.GetModelMetadata(Route(context, "name"), Route(context, "version")), ProtocolJsonContext.Relaxed.ModelMetadataResponse));

    /// <summary>
    /// <c>GET …/ready</c>: 200 when ready, 400 when not — unknown models and versions included — as Triton answers and as the
    /// protocol says ("a 4xx status code indicates false"); the body says <c>{"ready":…}</c> too.
    /// </summary>
    public Task ModelReady(HttpContext context) => Guard(context, () =>
    {
        bool ready = server.IsModelReady(Route(context, "name"), Route(context, "version"));
        return Write(context, ready ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest, new ReadyResponse { Ready = ready }, ProtocolJsonContext.Relaxed.ReadyResponse);
    });

    /// <summary><c>GET /v2/models/{name}[/versions/{version}]/config</c>: Triton's model configuration extension.</summary>
    public Task ModelConfig(HttpContext context) => Guard(context, async () =>
    {
        var config = server.GetModelConfig(Route(context, "name"), Route(context, "version"));
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ModelConfigurations.WriteJson(writer, config);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ProtocolNames.Json;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    });

    public async Task RepositoryIndex(HttpContext context)
    {
        try
        {
            bool readyOnly = false;
            using (var body = await RequestBodyReader.ReadAsync(context, ControlBodyLimit).ConfigureAwait(false))
            {
                if (body.Length > 0)
                {
                    var request = Deserialize(body.Memory.Span, ProtocolJsonContext.Relaxed.RepositoryIndexRequest, "$repository_index_request");
                    readyOnly = request?.Ready ?? false;
                }
            }

            await Write(context, StatusCodes.Status200OK, server.GetRepositoryIndex(readyOnly), ProtocolJsonContext.Relaxed.ListRepositoryIndexEntry).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await WriteError(context, ex, "repository").ConfigureAwait(false);
        }
    }

    public Task Load(HttpContext context) => Control(context, load: true);

    public Task Unload(HttpContext context) => Control(context, load: false);

    public static async Task Metrics(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        // Resolved only here and by MapModelKit when /metrics is on: with it off, no listener records anything.
        var exporter = context.RequestServices.GetRequiredService<PrometheusExporter>();
        await context.Response.WriteAsync(exporter.Collect(), context.RequestAborted).ConfigureAwait(false);
    }

    public static Task NotFound(HttpContext context) =>
        WriteError(context, StatusCodes.Status404NotFound, $"No endpoint {context.Request.Method} {context.Request.Path}; see GET /v2 and the Open Inference Protocol.");

    /// <summary><c>POST /v2/models/{name}[/versions/{version}]/infer</c>: JSON or binary tensor data.</summary>
    public async Task Infer(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        string? name = Route(context, "name");
        string model = server.MetricsModelName(name);
        var headers = context.Request.Headers;
        string? headerValue = headers.TryGetValue(ProtocolNames.InferenceHeaderContentLength, out var values) ? values.ToString() : null;
        string protocol = headerValue is null ? RestJson : RestBinary;
        metrics.RequestStarted(protocol);
        var activity = ServerActivitySource.StartRest(headers, static (h, key) => h.TryGetValue(key, out var v) ? v[0] : null, name, Route(context, "version"), context.Request.Path.Value ?? string.Empty);
        var body = RequestBody.Empty;
        string outcome = "error";
        string? reason = null;
        bool serverFault = false;
        string? servedVersion = null;
        double queue = 0;
        double compute = 0;
        bool entered = false;
        try
        {
            entered = true;
            bool accepted = server.EnterRequest();
            long? headerLength = RestInferenceCodec.ParseInferenceHeaderContentLength(headerValue);
            body = await RequestBodyReader.ReadAsync(context, server.Options.MaxRequestBodySize).ConfigureAwait(false);
            if (!accepted)
            {
                throw ModelServer.Draining();
            }

            string? version = Route(context, "version");

            // What the JSON declares is checked against the model before any tensor data is decoded.
            int jsonLength = headerLength is { } declared && declared >= 0 && declared <= body.Length ? (int)declared : body.Length;
            var limits = server.CheckRestRequest(name, version, body.Memory.Span[..jsonLength]);
            var request = RestInferenceCodec.DecodeRequest(body.Memory, headerLength, limits);
            var result = await server.InferAsync(name, version, request, context.RequestAborted).ConfigureAwait(false);
            queue = result.QueueSeconds;
            compute = result.ComputeSeconds;
            servedVersion = result.Response.ModelVersion;
            using var encoded = RestInferenceCodec.EncodeResponse(result.Response);
            var response = context.Response;
            if (server.IsDraining)
            {
                response.Headers.Connection = "close"; // keep-alive clients move to another replica
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = encoded.ContentType;
            response.ContentLength = encoded.ContentLength;
            if (encoded.InferenceHeaderContentLengthText is { } jsonHeaderLength)
            {
                response.Headers[ProtocolNames.InferenceHeaderContentLength] = jsonHeaderLength;
            }

            try
            {
                await encoded.WriteToAsync(response.BodyWriter, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not ModelKitException)
            {
                throw RequestBodyReader.ClientFault(ex, context.RequestAborted);
            }

            outcome = "success";
        }
        catch (Exception ex)
        {
            var info = ErrorClassifier.Classify(ClientAborted(context, ex));
            outcome = info.Outcome;
            reason = info.Reason;
            serverFault = info.IsServerFault;
            Report(info, ex, protocol, model);
            if (server.IsDraining && !context.Response.HasStarted)
            {
                context.Response.Headers.Connection = "close";
            }

            await WriteError(context, info).ConfigureAwait(false);
        }
        finally
        {
            body.Dispose();
            if (entered)
            {
                server.ExitRequest();
            }

            metrics.RequestFinished(model, protocol, outcome, reason, start, queue, compute);
            activity?.SetTag("http.response.status_code", context.Response.StatusCode);
            ServerActivitySource.Finish(activity, outcome, reason, serverFault, servedVersion);
        }
    }

    private async Task Health(HttpContext context, string tag, bool live)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(tag), context.RequestAborted).ConfigureAwait(false);
        bool healthy = report.Status == HealthStatus.Healthy;
        int status = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        if (live)
        {
            await Write(context, status, new LiveResponse { Live = healthy }, ProtocolJsonContext.Relaxed.LiveResponse).ConfigureAwait(false);
        }
        else
        {
            await Write(context, status, new ReadyResponse { Ready = healthy }, ProtocolJsonContext.Relaxed.ReadyResponse).ConfigureAwait(false);
        }
    }

    private async Task Control(HttpContext context, bool load)
    {
        try
        {
            using (var body = await RequestBodyReader.ReadAsync(context, ControlBodyLimit).ConfigureAwait(false))
            {
                if (body.Length > 0)
                {
                    _ = Deserialize(body.Memory.Span, ProtocolJsonContext.Relaxed.RepositoryModelRequest, load ? "$repository_load_request" : "$repository_unload_request");
                }
            }

            string? name = Route(context, "name");
            if (load)
            {
                await server.LoadModelAsync(name, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await server.UnloadModelAsync(name, context.RequestAborted).ConfigureAwait(false);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentLength = 0;
        }
        catch (Exception ex)
        {
            await WriteError(context, ex, "repository").ConfigureAwait(false);
        }
    }

    private async Task Guard(HttpContext context, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await WriteError(context, ex, "metadata").ConfigureAwait(false);
        }
    }

    private Task WriteError(HttpContext context, Exception exception, string protocol)
    {
        var info = ErrorClassifier.Classify(ClientAborted(context, exception));
        Report(info, exception, protocol, server.MetricsModelName(Route(context, "name")));
        return WriteError(context, info);
    }

    /// <summary>Any failure once the client has gone away is the client's: nobody is left to answer, nothing is internal.</summary>
    private static Exception ClientAborted(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested && exception is not ClientAbortedException
            ? new ClientAbortedException("The client went away before its answer was sent.", exception)
            : exception;

    /// <summary>
    /// Writes an error answer unless the response has started or the client is gone. An error that leaves part of the body unread
    /// closes the connection, and says so (<c>Connection: close</c>), so a client never sends its next request into a closed socket.
    /// </summary>
    private static Task WriteError(HttpContext context, ErrorInfo info)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        if (info.CloseConnection)
        {
            context.Response.Headers.Connection = "close";
        }

        return WriteError(context, info.HttpStatus, info.Message);
    }

    private void Report(ErrorInfo info, Exception exception, string protocol, string model)
    {
        if (info.IsServerFault)
        {
            ServerLog.UnexpectedError(logger, exception, protocol, model);
        }
        else
        {
            ServerLog.RequestRejected(logger, protocol, model, info.HttpStatus, info.Reason, info.Message);
        }
    }

    private static Task WriteError(HttpContext context, int status, string message) =>
        Write(context, status, new ErrorResponse { Error = message }, ProtocolJsonContext.Relaxed.ErrorResponse);

    private static Task Write<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(value, typeInfo, contentType: ProtocolNames.Json, context.RequestAborted);
    }

    private static T? Deserialize<T>(ReadOnlySpan<byte> json, JsonTypeInfo<T> typeInfo, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException ex)
        {
            throw new ProtocolException(ProtocolErrorKind.MalformedJson, $"The body is not a valid {what}: {ex.Message}", ex);
        }
    }

    private static string? Route(HttpContext context, string key) => context.Request.RouteValues.TryGetValue(key, out var value) ? value as string : null;
}
