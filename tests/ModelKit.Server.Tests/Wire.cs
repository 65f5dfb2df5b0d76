using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;
using ModelKit.Protocol.Rest;

namespace ModelKit.Server.Tests;

/// <summary>An HTTP answer: status, body, the decoded response or error text.</summary>
internal sealed record RestAnswer(HttpStatusCode Status, byte[] Body, InferenceResponse? Response, string? Error, HttpResponseMessage Message)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>Sends requests the way a client of the protocol does, through ModelKit.Protocol's codecs.</summary>
internal static class Wire
{
    public static async Task<RestAnswer> InferAsync(HttpClient http, string model, InferenceRequest request, string? version = null, Action<HttpRequestMessage>? configure = null)
    {
        using var encoded = RestInferenceCodec.EncodeRequest(request);
        var content = new ByteArrayContent(encoded.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(encoded.ContentType);
        if (encoded.InferenceHeaderContentLength is { } length)
        {
            content.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength, length.ToString(CultureInfo.InvariantCulture));
        }

        return await SendAsync(http, HttpMethod.Post, InferPath(model, version), content, configure).ConfigureAwait(false);
    }

    public static Task<RestAnswer> PostRawAsync(HttpClient http, string path, byte[] body, long? headerLength = null, string contentType = "application/json", Action<HttpRequestMessage>? configure = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (headerLength is { } length)
        {
            content.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength, length.ToString(CultureInfo.InvariantCulture));
        }

        return SendAsync(http, HttpMethod.Post, path, content, configure);
    }

    public static Task<RestAnswer> PostJsonAsync(HttpClient http, string path, string json, Action<HttpRequestMessage>? configure = null) =>
        PostRawAsync(http, path, Encoding.UTF8.GetBytes(json), null, "application/json", configure);

    public static Task<RestAnswer> GetAsync(HttpClient http, string path, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(http, HttpMethod.Get, path, null, configure);

    public static string InferPath(string model, string? version) =>
        version is null ? $"/v2/models/{model}/infer" : $"/v2/models/{model}/versions/{version}/infer";

    private static async Task<RestAnswer> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content, Action<HttpRequestMessage>? configure)
    {
        using var message = new HttpRequestMessage(method, path) { Content = content };
        configure?.Invoke(message);
        var response = await http.SendAsync(message).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        InferenceResponse? decoded = null;
        string? error = null;
        if (response.IsSuccessStatusCode && path.EndsWith("/infer", StringComparison.Ordinal))
        {
            long? headerLength = response.Headers.TryGetValues(ProtocolNames.InferenceHeaderContentLength, out var values)
                ? long.Parse(values.First(), CultureInfo.InvariantCulture)
                : null;
            decoded = RestInferenceCodec.DecodeResponse(body, headerLength);
        }
        else if (!response.IsSuccessStatusCode && body.Length > 0)
        {
            error = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ErrorResponse)?.Error;
        }

        return new RestAnswer(response.StatusCode, body, decoded, error, response);
    }
}
