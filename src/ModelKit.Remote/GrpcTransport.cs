using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using Polly;
using Polly.CircuitBreaker;

namespace ModelKit.Remote;

/// <summary>
/// gRPC (<c>inference.GRPCInferenceService</c>) over a <see cref="GrpcChannel"/> whose <see cref="HttpClient"/> comes from the
/// factory. Retries are gRPC's own (status <c>Unavailable</c> only: the connection failed or the server refused before running
/// the model), the deadline is the model's Timeout, and a circuit breaker guards the endpoint.
/// </summary>
internal sealed class GrpcTransport : RemoteTransport
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly Metadata? _headers;
    private readonly ResiliencePipeline _breaker;

    public GrpcTransport(RemoteTarget target, HttpClient http)
        : base(target)
    {
        var retry = new MethodConfig
        {
            Names = { MethodName.Default },
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 3,
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromSeconds(1),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        _channel = GrpcChannel.ForAddress(target.Endpoint, new GrpcChannelOptions
        {
            HttpClient = http,
            DisposeHttpClient = true,
            MaxSendMessageSize = null, // the server enforces its own limit
            MaxReceiveMessageSize = 1024 * 1024 * 1024,
            MaxRetryBufferPerCallSize = 16 * 1024 * 1024,
            MaxRetryBufferSize = 64 * 1024 * 1024,
            ServiceConfig = new ServiceConfig { MethodConfigs = { retry } },
        });
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        if (target.ApiKey is not null)
        {
            _headers = new Metadata { { "authorization", "Bearer " + target.ApiKey } };
        }

        _breaker = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(static ex =>
                    ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown),
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(60),
                BreakDuration = TimeSpan.FromSeconds(5),
            })
            .Build();
    }

    private static TensorElementType ElementType(ModelMetadataResponse.Types.TensorMetadata tensor) =>
        ModelKit.Protocol.Metadata.TensorMetadata.ElementType(tensor.Datatype, tensor.Name,
            tensor.Parameters.TryGetValue(ProtocolNames.ContentType, out var contentType) ? contentType.StringParam : null);

    public override async Task<ModelSignature> GetSignatureAsync(CancellationToken cancellationToken)
    {
        var request = new ModelMetadataRequest { Name = Target.RemoteName, Version = Target.Version ?? string.Empty };
        var reply = await CallAsync(static (client, request, options) => client.ModelMetadataAsync(request, options).ResponseAsync, request, "model metadata", cancellationToken).ConfigureAwait(false);
        try
        {
            return new ModelSignature(
                reply.Inputs.Select(static t => new TensorInfo(t.Name, ElementType(t), t.Shape.ToArray())).ToArray(),
                reply.Outputs.Select(static t => new TensorInfo(t.Name, ElementType(t), t.Shape.ToArray())).ToArray());
        }
        catch (ProtocolException ex)
        {
            throw BadResponse("model metadata", ex);
        }
    }

    public override async Task<RemoteResponse> InferAsync(InferenceRequest request, ProtocolLimits? responseLimits, CancellationToken cancellationToken)
    {
        request.ModelName = Target.RemoteName;
        request.ModelVersion = Target.Version;
        var message = GrpcInferenceCodec.EncodeRequest(request);
        using var activity = RemoteActivitySource.StartGrpc(Target, "ModelInfer");
        ModelInferResponse reply;
        try
        {
            reply = await CallAsync(static (client, message, options) => client.ModelInferAsync(message, options).ResponseAsync, message, "inference", cancellationToken, activity).ConfigureAwait(false);
            activity?.SetTag("rpc.grpc.status_code", (int)StatusCode.OK);
        }
        catch (Exception ex) when (activity is not null)
        {
            if (ex is RemoteInferenceException { GrpcStatus: { } status })
            {
                activity.SetTag("rpc.grpc.status_code", (int)status);
            }

            ModelKitActivitySource.Finish(activity, ex);
            throw;
        }

        try
        {
            // Raw output contents are viewed in place: the reply's buffers are not pooled, so the views may be handed out.
            var decoded = GrpcInferenceCodec.DecodeResponse(reply, responseLimits);
            if (activity is not null)
            {
                activity.SetTag(ModelKitActivitySource.Tags.ModelVersion, decoded.ModelVersion);
                activity.SetTag(ModelKitActivitySource.Tags.Outcome, "success");
            }

            return new RemoteResponse(decoded, null);
        }
        catch (ProtocolException ex)
        {
            throw BadResponse("inference response", ex);
        }
    }

    public override void Dispose()
    {
        _channel.Dispose();
        base.Dispose();
    }

    private async Task<TReply> CallAsync<TRequest, TReply>(Func<GRPCInferenceService.GRPCInferenceServiceClient, TRequest, CallOptions, Task<TReply>> call,
        TRequest request, string what, CancellationToken cancellationToken, System.Diagnostics.Activity? activity = null)
    {
        var headers = _headers;
        if (activity is not null)
        {
            // The span's W3C trace context rides in the call's metadata (a copy: the API key metadata is shared).
            headers = [];
            foreach (var entry in _headers ?? [])
            {
                headers.Add(entry);
            }

            RemoteActivitySource.Inject(activity, headers, static (metadata, key, value) => metadata.Add(key, value));
        }

        try
        {
            return await _breaker.ExecuteAsync(
                static async (state, token) =>
                {
                    var options = new CallOptions(state.Headers, DateTime.UtcNow + state.Self.Target.Timeout, token);
                    return await state.Call(state.Self._client, state.Request, options).ConfigureAwait(false);
                },
                (Self: this, Call: call, Request: request, Headers: headers),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"The {what} call to {Target.EndpointText} was canceled.", ex, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            throw new RemoteEndpointUnreachableException(Target.ModelName, Target.EndpointText,
                $"the circuit breaker of the endpoint is open after repeated failures; {what} was not sent", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is HttpRequestException or System.Net.Sockets.SocketException)
        {
            throw new RemoteEndpointUnreachableException(Target.ModelName, Target.EndpointText,
                $"the endpoint cannot be reached for {what} ({ex.Status.Detail})", ex);
        }
        catch (RpcException ex)
        {
            string message = ex.StatusCode == StatusCode.DeadlineExceeded
                ? $"the {what} call exceeded its deadline (Timeout {Target.Timeout.TotalSeconds:0.###} s)"
                : $"the server answered {ex.StatusCode} to the {what} call for '{Target.RemoteName}'" + (string.IsNullOrEmpty(ex.Status.Detail) ? string.Empty : ": " + ex.Status.Detail);
            throw ex.StatusCode switch
            {
                StatusCode.Unavailable => new RemoteServiceUnavailableException(Target.ModelName, Target.EndpointText, message, null, ex.StatusCode, ex.Status.Detail, ex),
                StatusCode.DeadlineExceeded => new RemoteInferenceException(Target.ModelName, Target.EndpointText, message, null, ex.StatusCode, ex.Status.Detail, ex)
                { Kind = RemoteFailureKind.Timeout },
                // The client's own report of a stream cut mid-call (reset connection, GOAWAY): no status came from the server.
                StatusCode.Internal or StatusCode.Unknown when ex.Status.DebugException is IOException or HttpRequestException or System.Net.Sockets.SocketException =>
                    new RemoteInferenceException(Target.ModelName, Target.EndpointText, message, null, ex.StatusCode, ex.Status.Detail, ex) { Kind = RemoteFailureKind.ConnectionLost },
                _ => new RemoteInferenceException(Target.ModelName, Target.EndpointText, message, null, ex.StatusCode, ex.Status.Detail, ex),
            };
        }
    }
}
