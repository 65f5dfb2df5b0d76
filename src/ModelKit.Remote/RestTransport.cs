using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;
using ModelKit.Protocol.Rest;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ModelKit.Remote;

/// <summary>REST (JSON or the binary tensor data extension) through a factory-created <see cref="HttpClient"/> with the standard resilience handler.</summary>
internal sealed class RestTransport : RemoteTransport
{
    private static readonly MediaTypeHeaderValue JsonType = new(ProtocolNames.Json);
    private static readonly MediaTypeHeaderValue OctetType = new(ProtocolNames.OctetStream);

    private readonly HttpClient _http;
    private readonly Uri _inferUri;
    private readonly Uri _metadataUri;
    private readonly AuthenticationHeaderValue? _authorization;

    public RestTransport(RemoteTarget target, HttpClient http)
        : base(target)
    {
        _http = http;
        string path = "v2/models/" + Uri.EscapeDataString(target.RemoteName) + (target.Version is null ? string.Empty : "/versions/" + Uri.EscapeDataString(target.Version));
        var root = new Uri(target.EndpointText + "/", UriKind.Absolute);
        _metadataUri = new Uri(root, path);
        _inferUri = new Uri(root, path + "/infer");
        _authorization = target.ApiKey is null ? null : new AuthenticationHeaderValue("Bearer", target.ApiKey);
    }

    public override async Task<ModelSignature> GetSignatureAsync(CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, _metadataUri);
        using var response = await SendAsync(request, "model metadata", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, "model metadata", cancellationToken).ConfigureAwait(false);
        }

        byte[] body = await ReadBodyAsync(static (content, token) => content.ReadAsByteArrayAsync(token), response.Content, "model metadata", cancellationToken).ConfigureAwait(false);
        try
        {
            var metadata = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ModelMetadataResponse)
                ?? throw new JsonException("the body is null");
            return metadata.ToSignature();
        }
        catch (Exception ex) when (ex is JsonException or ProtocolException)
        {
            throw BadResponse("model metadata", ex);
        }
    }

    public override async Task<RemoteResponse> InferAsync(InferenceRequest request, ProtocolLimits? responseLimits, CancellationToken cancellationToken)
    {
        using var message = RestInferenceCodec.EncodeRequest(request);
        using var httpRequest = NewRequest(HttpMethod.Post, _inferUri);
        httpRequest.Content = new EncodedMessageContent(message);
        if (message.InferenceHeaderContentLength is { } headerLength)
        {
            httpRequest.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength, headerLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var activity = RemoteActivitySource.StartRest(Target, _inferUri);
        if (activity is not null)
        {
            RemoteActivitySource.Inject(activity, httpRequest.Headers, static (headers, key, value) =>
            {
                headers.Remove(key);
                headers.TryAddWithoutValidation(key, value);
            });
        }

        HttpResponseMessage response;
        try
        {
            response = await SendAsync(httpRequest, "inference", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        using var disposeResponse = response;
        activity?.SetTag("http.response.status_code", (int)response.StatusCode);
        if (!response.IsSuccessStatusCode)
        {
            var error = await ErrorAsync(response, "inference", cancellationToken).ConfigureAwait(false);
            activity?.SetTag(ModelKitActivitySource.Tags.Outcome, "error");
            activity?.SetTag(ModelKitActivitySource.Tags.ErrorType, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
            throw error;
        }

        var (body, length) = await ReadBodyAsync(ReadPooledAsync, response.Content, "inference", cancellationToken).ConfigureAwait(false);
        try
        {
            string? header = response.Headers.TryGetValues(ProtocolNames.InferenceHeaderContentLength, out var values)
                || response.Content.Headers.TryGetValues(ProtocolNames.InferenceHeaderContentLength, out values)
                ? values.FirstOrDefault() : null;
            var decoded = RestInferenceCodec.DecodeResponse(body.AsMemory(0, length), RestInferenceCodec.ParseInferenceHeaderContentLength(header), responseLimits);
            if (activity is not null)
            {
                activity.SetTag(ModelKitActivitySource.Tags.ModelVersion, decoded.ModelVersion);
                activity.SetTag(ModelKitActivitySource.Tags.Outcome, "success");
            }

            return new RemoteResponse(decoded, body);
        }
        catch (ProtocolException ex)
        {
            ArrayPool<byte>.Shared.Return(body);
            throw BadResponse("inference response", ex);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }
    }

    public override void Dispose()
    {
        _http.Dispose(); // a factory client: its pooled handler stays with the factory
        base.Dispose();
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Options.Set(RemoteBackendProvider.TimeoutKey, Target.Timeout);
        if (_authorization is not null)
        {
            request.Headers.Authorization = _authorization;
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException ex)
        {
            throw new RemoteEndpointUnreachableException(Target.ModelName, Target.EndpointText,
                $"the circuit breaker of the endpoint is open after repeated failures; {what} was not sent", ex);
        }
        catch (Polly.ExecutionRejectedException ex) when (ex is not BrokenCircuitException and not TimeoutRejectedException)
        {
            throw new RemoteInferenceException(Target.ModelName, Target.EndpointText,
                $"the {what} request was rejected by this client's resilience pipeline ({ex.Message})", innerException: ex);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            throw new RemoteEndpointUnreachableException(Target.ModelName, Target.EndpointText,
                $"the endpoint cannot be reached for {what} ({ex.HttpRequestError}: {ex.Message})", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RemoteInferenceException(Target.ModelName, Target.EndpointText, $"the {what} request failed: {ex.Message}", innerException: ex)
            {
                Kind = ex.HttpRequestError is HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError or HttpRequestError.Unknown
                    ? RemoteFailureKind.ConnectionLost
                    : RemoteFailureKind.BadResponse,
            };
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or OperationCanceledException or TimeoutException)
        {
            throw TimedOut(what, ex);
        }
    }

    /// <summary>
    /// Reads a response body within the model's Timeout (the resilience pipeline's timeout ends with the headers): a server
    /// that stalls mid-body is a <see cref="RemoteFailureKind.Timeout"/>, a connection lost mid-body a
    /// <see cref="RemoteFailureKind.ConnectionLost"/>.
    /// </summary>
    private async Task<T> ReadBodyAsync<T>(Func<HttpContent, CancellationToken, Task<T>> read, HttpContent content, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Target.Timeout);
        try
        {
            return await read(content, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(what + " response body", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new RemoteInferenceException(Target.ModelName, Target.EndpointText,
                $"the connection was lost while reading the {what} response: {ex.Message}", innerException: ex)
            { Kind = RemoteFailureKind.ConnectionLost };
        }
    }

    private RemoteInferenceException TimedOut(string what, Exception inner) =>
        new(Target.ModelName, Target.EndpointText, $"the {what} request timed out (Timeout {Target.Timeout.TotalSeconds:0.###} s per attempt)", innerException: inner)
        { Kind = RemoteFailureKind.Timeout };

    private async Task<RemoteInferenceException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        string? serverError = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Target.Timeout);
            byte[] body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (body.Length > 0)
            {
                try
                {
                    serverError = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ErrorResponse)?.Error;
                }
                catch (JsonException)
                {
                }

                serverError ??= Truncate(Encoding.UTF8.GetString(body));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The status says enough; a body that cannot be read within the Timeout is left out.
        }

        var status = response.StatusCode;
        string message = $"the server answered {(int)status} {response.ReasonPhrase ?? status.ToString()} to the {what} request for '{Target.RemoteName}'"
            + (string.IsNullOrEmpty(serverError) ? string.Empty : ": " + serverError);
        return status == HttpStatusCode.ServiceUnavailable
            ? new RemoteServiceUnavailableException(Target.ModelName, Target.EndpointText, message, status, null, serverError)
            : new RemoteInferenceException(Target.ModelName, Target.EndpointText, message, status, null, serverError);
    }

    /// <summary>Reads the whole body into an array rented from the shared pool (the caller returns it).</summary>
    private static async Task<(byte[] Body, int Length)> ReadPooledAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            long? declared = content.Headers.ContentLength;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(declared is { } known && known > 0 && known < Array.MaxLength ? (int)known : 16 * 1024);
            int length = 0;
            try
            {
                while (true)
                {
                    if (declared is { } expected && length == expected)
                    {
                        return (buffer, length);
                    }

                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= Array.MaxLength)
                        {
                            throw new InvalidDataException("The response body is larger than one array can hold.");
                        }

                        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, (long)buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(next);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = next;
                    }

                    int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer, length);
                    }

                    length += read;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
    }

    /// <summary>An encoded body written straight from the JSON part and the tensors' own memory; re-sendable for retries.</summary>
    private sealed class EncodedMessageContent : HttpContent
    {
        private readonly EncodedMessage _message;

        public EncodedMessageContent(EncodedMessage message)
        {
            _message = message;
            Headers.ContentType = message.HasBinaryData ? OctetType : JsonType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            _message.WriteToAsync(stream).AsTask();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            _message.WriteToAsync(stream, cancellationToken).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = _message.ContentLength;
            return true;
        }
    }
}
