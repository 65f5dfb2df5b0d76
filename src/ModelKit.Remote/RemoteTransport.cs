using System.Buffers;
using ModelKit.Protocol;

namespace ModelKit.Remote;

/// <summary>Where one remote model lives and how to reach it.</summary>
/// <param name="ModelName">The model's name in this app (contract, configuration).</param>
/// <param name="RemoteName">The model's name on the server (<see cref="ModelOptions.RemoteName"/> or <paramref name="ModelName"/>).</param>
/// <param name="Version">The numeric version asked for, or null for the server's choice.</param>
/// <param name="Endpoint">The server's base address.</param>
/// <param name="Protocol"><c>rest-binary</c>, <c>rest-json</c> or <c>grpc</c>.</param>
/// <param name="ApiKey">Sent as <c>Authorization: Bearer</c>.</param>
/// <param name="Timeout">One attempt's timeout (REST) or the call's deadline (gRPC).</param>
internal sealed record RemoteTarget(string ModelName, string RemoteName, string? Version, Uri Endpoint, string Protocol, string? ApiKey, TimeSpan Timeout)
{
    public string EndpointText { get; } = Endpoint.ToString().TrimEnd('/');

    public static RemoteTarget From(string modelName, ModelOptions options) => From(modelName, options, options.Endpoint);

    /// <summary>One target per endpoint: <see cref="ModelOptions.Endpoint"/> (if set) then <see cref="ModelOptions.Endpoints"/>, without repeats.</summary>
    public static IReadOnlyList<RemoteTarget> AllFrom(string modelName, ModelOptions options)
    {
        var targets = new List<RemoteTarget>();
        IEnumerable<string?> endpoints = string.IsNullOrWhiteSpace(options.Endpoint) ? options.Endpoints : options.Endpoints.Prepend(options.Endpoint);
        foreach (string? endpoint in endpoints)
        {
            var target = From(modelName, options, endpoint);
            if (!targets.Exists(t => string.Equals(t.EndpointText, target.EndpointText, StringComparison.OrdinalIgnoreCase)))
            {
                targets.Add(target);
            }
        }

        return targets.Count switch
        {
            0 => throw new ModelLoadException(modelName, "neither Endpoint nor Endpoints is set."),
            > 64 => throw new ModelLoadException(modelName, $"Endpoints lists {targets.Count} addresses; at most 64 are balanced (put a Service or load balancer in front of more)."),
            _ => targets,
        };
    }

    private static RemoteTarget From(string modelName, ModelOptions options, string? endpointText)
    {
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ModelLoadException(modelName, $"Endpoint '{endpointText}' is not an absolute http:// or https:// address.");
        }

        string protocol = (options.Protocol ?? "rest-binary").Trim().ToLowerInvariant();
        if (protocol is not ("rest-binary" or "rest-json" or "grpc"))
        {
            throw new ModelLoadException(modelName, $"Protocol '{options.Protocol}' is not one of rest-binary, rest-json, grpc.");
        }

        string? version = string.IsNullOrWhiteSpace(options.Version) ? null : options.Version.Trim();
        string remoteName = string.IsNullOrWhiteSpace(options.RemoteName) ? modelName : options.RemoteName.Trim();
        return new RemoteTarget(modelName, remoteName, version, endpoint, protocol, string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey,
            options.Timeout > TimeSpan.Zero ? options.Timeout : TimeSpan.FromSeconds(30));
    }

    /// <summary><c>remote rest-binary http://host:port mnist v1</c>.</summary>
    public string Describe() => $"remote {Protocol} {EndpointText} model '{RemoteName}'{(Version is null ? string.Empty : " version " + Version)}";
}

/// <summary>A decoded response, with the pooled body its binary tensors may view (returned on dispose).</summary>
internal readonly struct RemoteResponse(InferenceResponse response, byte[]? pooledBody) : IDisposable
{
    public InferenceResponse Response { get; } = response;

    /// <summary>Whether binary outputs are views over a pooled body and must be copied before <see cref="Dispose"/>.</summary>
    public bool ViewsArePooled => pooledBody is not null;

    /// <summary>
    /// <paramref name="tensor"/>'s value, safe to keep after <see cref="Dispose"/>: itself unless it views the pooled body, else a
    /// copy — for binary elements, their bytes copied into one array the new elements slice (two allocations per tensor, not one per
    /// element).
    /// </summary>
    public TensorValue Detach(InferTensor tensor)
    {
        var value = tensor.Value;
        if (!ViewsArePooled || !tensor.Binary)
        {
            return value;
        }

        if (value.ElementType == TensorElementType.Binary)
        {
            var elements = value.Buffer.AsSpan<ReadOnlyMemory<byte>>();
            long total = 0;
            foreach (var element in elements)
            {
                total += element.Length;
            }

            var bytes = new byte[total];
            var copies = new ReadOnlyMemory<byte>[elements.Length];
            int position = 0;
            for (int i = 0; i < elements.Length; i++)
            {
                elements[i].Span.CopyTo(bytes.AsSpan(position));
                copies[i] = new ReadOnlyMemory<byte>(bytes, position, elements[i].Length);
                position += elements[i].Length;
            }

            return new TensorValue(value.Shape, TensorBuffer.FromArray(copies));
        }

        var copy = TensorElementTypes.Allocate(value.ElementType, value.Buffer.Length);
        value.Buffer.CopyTo(copy);
        return new TensorValue(value.Shape, copy);
    }

    /// <summary>
    /// The limits a response to <paramref name="outputs"/> is decoded with: BYTES outputs the caller reads as
    /// <see cref="TensorElementType.Binary"/> kept as bytes (no UTF-8 round trip); null when there are none.
    /// </summary>
    public static ProtocolLimits? LimitsFor(IEnumerable<(string Name, TensorElementType ElementType)> outputs)
    {
        HashSet<string>? binary = null;
        foreach (var (name, type) in outputs)
        {
            if (type == TensorElementType.Binary)
            {
                (binary ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }

        return binary is null ? null : new ProtocolLimits { BinaryBytesTensors = binary };
    }

    public void Dispose()
    {
        if (pooledBody is not null)
        {
            ArrayPool<byte>.Shared.Return(pooledBody);
        }
    }
}

/// <summary>One wire protocol to one server.</summary>
internal abstract class RemoteTransport(RemoteTarget target) : IDisposable
{
    public RemoteTarget Target { get; } = target;

    /// <summary>The model's signature from the server's model metadata.</summary>
    public abstract Task<ModelSignature> GetSignatureAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends one inference request. <paramref name="responseLimits"/> decodes the response (its
    /// <see cref="ProtocolLimits.BinaryBytesTensors"/>: the BYTES outputs to keep as bytes); null for the defaults.
    /// </summary>
    public abstract Task<RemoteResponse> InferAsync(InferenceRequest request, ProtocolLimits? responseLimits, CancellationToken cancellationToken);

    public virtual void Dispose()
    {
    }

    protected RemoteInferenceException BadResponse(string what, Exception? inner = null) =>
        new(Target.ModelName, Target.EndpointText, $"the server's {what} could not be read: {inner?.Message ?? "empty"}", innerException: inner)
        { Kind = RemoteFailureKind.BadResponse };

    /// <summary>How the backend names where its calls go (one endpoint, or a balanced set).</summary>
    public virtual string Describe() => Target.Describe();

    protected static string Truncate(string text) => text.Length > 2000 ? text[..2000] + "…" : text;
}
