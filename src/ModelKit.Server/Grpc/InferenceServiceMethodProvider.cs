using System.Buffers;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server;

/// <summary>
/// Binds <see cref="InferenceGrpcService"/>'s methods as <c>inference.GRPCInferenceService</c>. The generated binding would answer
/// a message protobuf cannot parse with <c>Unknown</c>; these marshallers answer <c>InvalidArgument</c>, since the client sent it.
/// <c>ModelInfer</c> messages are checked in their wire form against the model and the limits before they are parsed
/// (<see cref="RequestPreflight.CheckGrpc"/>). Health methods carry <see cref="AllowAnonymousAttribute"/> when
/// <see cref="ModelKitServerOptions.AllowAnonymousHealth"/> is set; every other method needs an API key.
/// </summary>
internal sealed class InferenceServiceMethodProvider(ModelServer server, IOptions<ModelKitServerOptions> options) : IServiceMethodProvider<InferenceGrpcService>
{
    private const string ServiceName = "inference.GRPCInferenceService";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<InferenceGrpcService> context)
    {
        object[] health = options.Value.AllowAnonymousHealth ? [new AllowAnonymousAttribute()] : [];
        Unary(context, "ServerLive", ServerLiveRequest.Parser, static (s, r, c) => s.ServerLive(r, c), health);
        Unary(context, "ServerReady", ServerReadyRequest.Parser, static (s, r, c) => s.ServerReady(r, c), health);
        Unary(context, "ModelReady", ModelReadyRequest.Parser, static (s, r, c) => s.ModelReady(r, c), health);
        Unary(context, "ServerMetadata", ServerMetadataRequest.Parser, static (s, r, c) => s.ServerMetadata(r, c));
        Unary(context, "ModelMetadata", ModelMetadataRequest.Parser, static (s, r, c) => s.ModelMetadata(r, c));
        Unary(context, "ModelConfig", Triton.ModelConfigRequest.Parser, static (s, r, c) => s.ModelConfig(r, c));
        var infer = new Method<ModelInferRequest, ModelInferResponse>(MethodType.Unary, ServiceName, "ModelInfer",
            Marshaller(ModelInferRequest.Parser, CheckInfer), Marshaller(ModelInferResponse.Parser));
        context.AddUnaryMethod(infer, [], static (s, r, c) => s.ModelInfer(r, c));
        Unary(context, "RepositoryIndex", RepositoryIndexRequest.Parser, static (s, r, c) => s.RepositoryIndex(r, c));
        Unary(context, "RepositoryModelLoad", RepositoryModelLoadRequest.Parser, static (s, r, c) => s.RepositoryModelLoad(r, c));
        Unary(context, "RepositoryModelUnload", RepositoryModelUnloadRequest.Parser, static (s, r, c) => s.RepositoryModelUnload(r, c));
        var stream = new Method<ModelInferRequest, ModelStreamInferResponse>(
            MethodType.DuplexStreaming, ServiceName, "ModelStreamInfer", StreamRequestMarshaller(), Marshaller(ModelStreamInferResponse.Parser));
        context.AddDuplexStreamingMethod(stream, [], static (s, requests, responses, c) => s.ModelStreamInfer(requests, responses, c));
    }

    private void CheckInfer(ReadOnlySequence<byte> payload)
    {
        try
        {
            RequestPreflight.CheckGrpc(server, payload);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            var info = ErrorClassifier.Classify(ex);
            throw new RpcException(new Status(info.GrpcStatus, info.Message));
        }
    }

    /// <summary>
    /// Stream requests are checked as unary ones, but a refused request does not end the stream: it is answered with an error
    /// message in turn (<see cref="PreflightRejections"/>), its contents never parsed.
    /// </summary>
    private Marshaller<ModelInferRequest> StreamRequestMarshaller()
    {
        var inner = Marshaller(ModelInferRequest.Parser);
        return new Marshaller<ModelInferRequest>(inner.ContextualSerializer, context =>
        {
            try
            {
                RequestPreflight.CheckGrpc(server, context.PayloadAsReadOnlySequence());
            }
            catch (Exception ex) when (ex is not RpcException)
            {
                var rejected = new ModelInferRequest();
                PreflightRejections.Add(rejected, ex);
                return rejected;
            }

            return inner.ContextualDeserializer(context);
        });
    }

    /// <summary>Stream requests refused before parsing, with why.</summary>
    internal static System.Runtime.CompilerServices.ConditionalWeakTable<ModelInferRequest, Exception> PreflightRejections { get; } = [];

    private static void Unary<TRequest, TResponse>(
        ServiceMethodProviderContext<InferenceGrpcService> context,
        string name,
        MessageParser<TRequest> parser,
        Func<InferenceGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler,
        object[]? metadata = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, Marshaller(parser), Marshaller(new MessageParser<TResponse>(static () => new TResponse())));
        context.AddUnaryMethod(method, metadata ?? [], (service, request, call) => handler(service, request, call));
    }

    private static Marshaller<T> Marshaller<T>(MessageParser<T> parser, Action<ReadOnlySequence<byte>>? check = null)
        where T : class, IMessage<T> =>
        new(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context =>
            {
                var payload = context.PayloadAsReadOnlySequence();
                check?.Invoke(payload);
                try
                {
                    return parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, ErrorClassifier.Bound($"The message is not a valid {typeof(T).Name}: {ex.Message}")));
                }
            });
}
