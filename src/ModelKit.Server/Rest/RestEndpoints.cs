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
    ApiKeyAuthenticator authenticator,
    ServerMetrics metrics,
    HealthCheckService health,
    ILogger<RestEndpoints> logger)
{
    private const string RestJson = "rest-json";
    private const string RestBinary = "rest-binary";

    public Task Live(HttpContext context) => Health(context, ModelKitHealthTags.Live, live: true);

    public Task Ready(HttpContext context) => Health(context, ModelKitHealthTags.Ready, live: false);

    public Task ServerMetadata(HttpContext context) =>
        Write(context, StatusCodes.Status200OK, server.GetServerMetadata(), ProtocolJsonContext.Relaxed.ServerMetadataResponse);

    public Task ModelMetadata(HttpContext context) => Guard(context, () =>
        Write(context, StatusCodes.Status200OK, server.GetModelMetadata(Route(context, "name"), Route(context, "version")), ProtocolJsonContext.Relaxed.ModelMetadataResponse));

    public Task ModelReady(HttpContext context) => Guard(context, () =>
    {
        bool ready = server.IsModelReady(Route(context, "name"), Route(context, "version"));
        return Write(context, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, new ReadyResponse { Ready = ready }, ProtocolJsonContext.Relaxed.ReadyResponse);
    });

    public async Task RepositoryIndex(HttpContext context)
    {
        try
        {
            bool readyOnly = false;
            var (body, length) = await ReadBodyAsync(context, 64 * 1024).ConfigureAwait(false);
            try
            {
                if (length > 0)
                {
                    var request = Deserialize(body.AsSpan(0, length), ProtocolJsonContext.Relaxed.RepositoryIndexRequest, "$repository_index_request");
                    readyOnly = request?.Ready ?? false;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
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

    public async Task Metrics(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        // Resolved only here and by MapModelKit when /metrics is on: with it off, no listener records anything.
        var exporter = context.RequestServices.GetRequiredService<PrometheusExporter>();
        await context.Response.WriteAsync(exporter.Collect(), context.RequestAborted).ConfigureAwait(false);
    }

    public Task NotFound(HttpContext context) =>
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
        byte[]? body = null;
        string outcome = "error";
        string? reason = null;
        bool serverFault = false;
        string? servedVersion = null;
        double queue = 0;
        double compute = 0;
        bool entered = false;
        try
        {
            server.EnterRequest();
            entered = true;
            long? headerLength = RestInferenceCodec.ParseInferenceHeaderContentLength(headerValue);
            (body, int length) = await ReadBodyAsync(context, server.Options.MaxRequestBodySize).ConfigureAwait(false);
            var request = RestInferenceCodec.DecodeRequest(body.AsMemory(0, length), headerLength, server.Limits);
            var result = await server.InferAsync(name, Route(context, "version"), request, context.RequestAborted).ConfigureAwait(false);
            queue = result.QueueSeconds;
            compute = result.ComputeSeconds;
            servedVersion = result.Response.ModelVersion;
            using var encoded = RestInferenceCodec.EncodeResponse(result.Response);
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = encoded.ContentType;
            response.ContentLength = encoded.ContentLength;
            if (encoded.InferenceHeaderContentLength is { } jsonLength)
            {
                response.Headers[ProtocolNames.InferenceHeaderContentLength] = jsonLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await encoded.WriteToAsync(response.BodyWriter, context.RequestAborted).ConfigureAwait(false);
            outcome = "success";
        }
        catch (Exception ex)
        {
            var info = ErrorClassifier.Classify(ex);
            outcome = info.Outcome;
            reason = info.Reason;
            serverFault = info.IsServerFault;
            Report(info, ex, protocol, model);
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                await WriteError(context, info.HttpStatus, info.Message).ConfigureAwait(false);
            }
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }

            if (entered)
            {
                server.ExitRequest();
            }

            metrics.RequestFinished(model, protocol, outcome, reason, start, queue, compute);
            activity?.SetTag("http.response.status_code", context.Response.StatusCode);
            ServerActivitySource.Finish(activity, outcome, reason, serverFault, servedVersion);
        }
    }

    /// <summary>Wraps a handler with the API key check (health endpoints pass <paramref name="anonymous"/>).</summary>
    public RequestDelegate Secure(RequestDelegate handler, bool anonymous) => async context =>
    {
        if (!anonymous)
        {
            var headers = context.Request.Headers;
            var result = authenticator.Check(headers.Authorization.ToString(), headers[ApiKeyAuthenticator.ApiKeyHeader].ToString());
            if (result != AuthenticationResult.Accepted)
            {
                ServerLog.Unauthorized(logger, context.Request.Path.ToString(), result.ToString());
                int status = result == AuthenticationResult.NotStarted ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status401Unauthorized;
                if (status == StatusCodes.Status401Unauthorized)
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                }

                await WriteError(context, status, ApiKeyAuthenticator.Describe(result)).ConfigureAwait(false);
                return;
            }
        }

        await handler(context).ConfigureAwait(false);
    };

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
            var (body, length) = await ReadBodyAsync(context, 64 * 1024).ConfigureAwait(false);
            try
            {
                if (length > 0)
                {
                    _ = Deserialize(body.AsSpan(0, length), ProtocolJsonContext.Relaxed.RepositoryModelRequest, load ? "$repository_load_request" : "$repository_unload_request");
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
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
        var info = ErrorClassifier.Classify(exception);
        Report(info, exception, protocol, server.MetricsModelName(Route(context, "name")));
        return context.Response.HasStarted ? Task.CompletedTask : WriteError(context, info.HttpStatus, info.Message);
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

    /// <summary>Reads the whole body into a pooled array (return it to <see cref="ArrayPool{T}.Shared"/>), enforcing <paramref name="limit"/>.</summary>
    private static async Task<(byte[] Body, int Length)> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var request = context.Request;
        if (request.ContentLength is { } declared)
        {
            if (declared > limit)
            {
                throw new BadHttpRequestException($"The request body has {declared} bytes; the server accepts at most {limit}.", StatusCodes.Status413PayloadTooLarge);
            }

            var exact = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, declared));
            try
            {
                int read = await request.Body.ReadAtLeastAsync(exact.AsMemory(0, (int)declared), (int)declared, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
                if (read < declared)
                {
                    throw new BadHttpRequestException($"The request body ended after {read} of its {declared} bytes.", StatusCodes.Status400BadRequest);
                }

                return (exact, read);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(exact);
                throw;
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= limit)
                    {
                        throw new BadHttpRequestException($"The request body exceeds the {limit} bytes the server accepts.", StatusCodes.Status413PayloadTooLarge);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    throw new BadHttpRequestException($"The request body exceeds the {limit} bytes the server accepts.", StatusCodes.Status413PayloadTooLarge);
                }
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
