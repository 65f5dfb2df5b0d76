using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ModelKit.Server.OpenAI;

/// <summary>
/// OpenAI-compatible <c>POST /v1/embeddings</c> over the embedding generators registered in DI (keyed by model name, e.g. by
/// <c>AddTextEmbeddings</c>) and the repository models served with <c>text-embedding</c> processing (e.g. a pulled <c>minilm</c>,
/// run under the server's inference limits): <c>input</c> a string or an array of strings (at most <see cref="MaxInputs"/>), <c>model</c>,
/// <c>encoding_format</c> <c>float</c> (default) or <c>base64</c> (little-endian float32, as OpenAI sends it), <c>dimensions</c> (only the
/// model's own: these models are not trained to be truncated), and <c>usage</c> with the tokens counted after truncation. Bad requests
/// get 400 with OpenAI's error body (<c>{"error":{"message","type":"invalid_request_error","param","code"}}</c>); an unknown model 404.
/// Mapped inside ModelKit's authorized endpoint group, so the same API keys apply (sent as <c>Authorization: Bearer</c>, as OpenAI
/// clients do).
/// </summary>
public static class OpenAIEmbeddingsEndpoint
{
    /// <summary>Most inputs in one request (OpenAI's limit).</summary>
    public const int MaxInputs = 2048;

    /// <summary>Maps <c>POST /v1/embeddings</c> on <paramref name="group"/>.</summary>
    public static IEndpointConventionBuilder MapOpenAIEmbeddings(this IEndpointRouteBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.MapPost("/v1/embeddings", HandleAsync);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        Request request;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            request = Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, 400, $"The request body is not valid JSON: {ex.Message}", null).ConfigureAwait(false);
            return;
        }
        catch (BadRequest ex)
        {
            await ErrorAsync(context, 400, ex.Message, ex.Param).ConfigureAwait(false);
            return;
        }

        // A generator registered in DI (AddTextEmbeddings), else a repository model served with text-embedding processing
        // (held for the call, so a reload or unload never pulls it away mid-request).
        var generator = context.RequestServices.GetKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(request.Model);
        var server = generator is null ? context.RequestServices.GetService<ModelServer>() : null;
        var served = server?.AcquireEmbeddingGenerator(request.Model, out generator);
        if (generator is null)
        {
            await ErrorAsync(context, 404, $"The model '{request.Model}' does not exist or is not an embedding model.", "model", "model_not_found").ConfigureAwait(false);
            return;
        }

        GeneratedEmbeddings<Embedding<float>> embeddings;
        try
        {
            var options = new EmbeddingGenerationOptions { Dimensions = request.Dimensions };
            embeddings = server is null
                ? await generator.GenerateAsync(request.Inputs, options, context.RequestAborted).ConfigureAwait(false)
                : await server.RunLimitedAsync(ct => generator.GenerateAsync(request.Inputs, options, ct), context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (request.Dimensions is not null && ex.ParamName == "options")
        {
            await ErrorAsync(context, 400, ex.Message, "dimensions").ConfigureAwait(false);
            return;
        }
        catch (ModelKitException ex) when (ex is Processing.ProcessingException or TensorMismatchException)
        {
            await ErrorAsync(context, 400, ex.Message, "input").ConfigureAwait(false);
            return;
        }
        catch (ServerBusyException ex)
        {
            await ErrorAsync(context, 503, ex.Message, null, "server_busy").ConfigureAwait(false);
            return;
        }
        finally
        {
            served?.Release();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        for (int i = 0; i < embeddings.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("object", "embedding");
            writer.WriteNumber("index", i);
            var vector = embeddings[i].Vector.Span;
            if (request.Base64)
            {
                writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector)); // float32 little-endian, as OpenAI encodes it
            }
            else
            {
                writer.WriteStartArray("embedding");
                foreach (float value in vector)
                {
                    writer.WriteNumberValue(value);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("model", request.Model);
        writer.WriteStartObject("usage");
        long tokens = embeddings.Usage?.InputTokenCount ?? 0;
        writer.WriteNumber("prompt_tokens", tokens);
        writer.WriteNumber("total_tokens", embeddings.Usage?.TotalTokenCount ?? tokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static Request Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BadRequest("The request body must be a JSON object.", null);
        }

        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(model.GetString()))
        {
            throw new BadRequest("'model' is required and must be a string.", "model");
        }

        if (!root.TryGetProperty("input", out var input))
        {
            throw new BadRequest("'input' is required: a string or an array of strings.", "input");
        }

        List<string> inputs;
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                inputs = [input.GetString()!];
                break;
            case JsonValueKind.Array:
                int count = input.GetArrayLength();
                if (count == 0)
                {
                    throw new BadRequest("'input' must not be an empty array.", "input");
                }

                if (count > MaxInputs)
                {
                    throw new BadRequest($"'input' has {count} items; at most {MaxInputs} are allowed per request.", "input");
                }

                inputs = new List<string>(count);
                foreach (var item in input.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw new BadRequest($"'input' items must be strings (token arrays are not supported); item {inputs.Count} is {item.ValueKind.ToString().ToLowerInvariant()}.", "input");
                    }

                    inputs.Add(item.GetString()!);
                }

                break;
            default:
                throw new BadRequest($"'input' must be a string or an array of strings, not {input.ValueKind.ToString().ToLowerInvariant()}.", "input");
        }

        bool base64 = false;
        if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
        {
            base64 = format.ValueKind == JsonValueKind.String ? format.GetString() switch
            {
                "float" => false,
                "base64" => true,
                var other => throw new BadRequest($"'encoding_format' must be 'float' or 'base64', not '{other}'.", "encoding_format"),
            } : throw new BadRequest("'encoding_format' must be a string.", "encoding_format");
        }

        int? dimensions = null;
        if (root.TryGetProperty("dimensions", out var dims) && dims.ValueKind != JsonValueKind.Null)
        {
            if (dims.ValueKind != JsonValueKind.Number || !dims.TryGetInt32(out int value) || value < 1)
            {
                throw new BadRequest("'dimensions' must be a positive integer.", "dimensions");
            }

            dimensions = value;
        }

        return new Request(model.GetString()!, inputs, base64, dimensions);
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message, string? param, string? code = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", "invalid_request_error");
        if (param is null)
        {
            writer.WriteNull("param");
        }
        else
        {
            writer.WriteString("param", param);
        }

        if (code is null)
        {
            writer.WriteNull("code");
        }
        else
        {
            writer.WriteString("code", code);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private sealed record Request(string Model, List<string> Inputs, bool Base64, int? Dimensions);

    private sealed class BadRequest(string message, string? param) : Exception(message)
    {
        public string? Param { get; } = param;
    }
}
