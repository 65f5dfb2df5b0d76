using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server;

/// <summary>
/// Binds <see cref="InferenceGrpcService"/>'s methods as <c>inference.GRPCInferenceService</c>. The generated binding would answer
/// a message protobuf cannot parse with <c>Unknown</c>; these marshallers answer <c>InvalidArgument</c>, since the client sent it.
/// </summary>
internal sealed class InferenceServiceMethodProvider : IServiceMethodProvider<InferenceGrpcService>
{
    private const string ServiceName = "inference.GRPCInferenceService";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<InferenceGrpcService> context)
    {
        Unary(context, "ServerLive", ServerLiveRequest.Parser, static (s, r, c) => s.ServerLive(r, c));
        Unary(context, "ServerReady", ServerReadyRequest.Parser, static (s, r, c) => s.ServerReady(r, c));
        Unary(context, "ModelReady", ModelReadyRequest.Parser, static (s, r, c) => s.ModelReady(r, c));
        Unary(context, "ServerMetadata", ServerMetadataRequest.Parser, static (s, r, c) => s.ServerMetadata(r, c));
        Unary(context, "ModelMetadata", ModelMetadataRequest.Parser, static (s, r, c) => s.ModelMetadata(r, c));
        Unary(context, "ModelInfer", ModelInferRequest.Parser, static (s, r, c) => s.ModelInfer(r, c));
        Unary(context, "RepositoryIndex", RepositoryIndexRequest.Parser, static (s, r, c) => s.RepositoryIndex(r, c));
        Unary(context, "RepositoryModelLoad", RepositoryModelLoadRequest.Parser, static (s, r, c) => s.RepositoryModelLoad(r, c));
        Unary(context, "RepositoryModelUnload", RepositoryModelUnloadRequest.Parser, static (s, r, c) => s.RepositoryModelUnload(r, c));
        var stream = new Method<ModelInferRequest, ModelStreamInferResponse>(
            MethodType.DuplexStreaming, ServiceName, "ModelStreamInfer", Marshaller(ModelInferRequest.Parser), Marshaller(ModelStreamInferResponse.Parser));
        context.AddDuplexStreamingMethod(stream, [], static (s, requests, responses, c) => s.ModelStreamInfer(requests, responses, c));
    }

    private static void Unary<TRequest, TResponse>(
        ServiceMethodProviderContext<InferenceGrpcService> context,
        string name,
        MessageParser<TRequest> parser,
        Func<InferenceGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, Marshaller(parser), Marshaller(new MessageParser<TResponse>(static () => new TResponse())));
        context.AddUnaryMethod(method, [], (service, request, call) => handler(service, request, call));
    }

    private static Marshaller<T> Marshaller<T>(MessageParser<T> parser)
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
                try
                {
                    return parser.ParseFrom(context.PayloadAsReadOnlySequence());
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"The message is not a valid {typeof(T).Name}: {ex.Message}"));
                }
            });
}
