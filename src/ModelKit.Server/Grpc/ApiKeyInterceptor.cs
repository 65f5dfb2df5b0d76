using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModelKit.Server;

/// <summary>Checks API keys on gRPC calls (metadata <c>authorization: Bearer …</c> or <c>x-api-key</c>); health RPCs may pass without.</summary>
internal sealed class ApiKeyInterceptor(ApiKeyAuthenticator authenticator, IOptions<ModelKitServerOptions> options, ILogger<ApiKeyInterceptor> logger) : Interceptor
{
    private static readonly HashSet<string> HealthMethods = new(StringComparer.Ordinal)
    {
        "/inference.GRPCInferenceService/ServerLive",
        "/inference.GRPCInferenceService/ServerReady",
        "/inference.GRPCInferenceService/ModelReady",
    };

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        if (options.Value.AllowAnonymousHealth && HealthMethods.Contains(context.Method))
        {
            return;
        }

        var result = authenticator.Check(context.RequestHeaders.GetValue("authorization"), context.RequestHeaders.GetValue(ApiKeyAuthenticator.ApiKeyHeader));
        if (result == AuthenticationResult.Accepted)
        {
            return;
        }

        ServerLog.Unauthorized(logger, context.Method, result.ToString());
        throw new RpcException(new Status(
            result == AuthenticationResult.NotStarted ? StatusCode.Unavailable : StatusCode.Unauthenticated,
            ApiKeyAuthenticator.Describe(result)));
    }
}
