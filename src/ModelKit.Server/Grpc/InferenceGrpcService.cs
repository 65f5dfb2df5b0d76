using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server;

/// <summary>
/// The gRPC <c>inference.GRPCInferenceService</c> over the same <see cref="ModelServer"/> as the REST endpoints. Bound by
/// <see cref="InferenceServiceMethodProvider"/> with marshallers that answer malformed messages with <c>InvalidArgument</c>.
/// </summary>
internal sealed class InferenceGrpcService(ModelServer server, ServerMetrics metrics, HealthCheckService health, ILogger<InferenceGrpcService> logger)
{
    private const string Protocol = "grpc";

    public async Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(ModelKitHealthTags.Live), context.CancellationToken).ConfigureAwait(false);
        return new ServerLiveResponse { Live = report.Status == HealthStatus.Healthy };
    }

    public async Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(ModelKitHealthTags.Ready), context.CancellationToken).ConfigureAwait(false);
        return new ServerReadyResponse { Ready = report.Status == HealthStatus.Healthy };
    }

    public Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Run(request.Name, () => new ModelReadyResponse { Ready = server.IsModelReady(request.Name, request.Version) });

    public Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var metadata = server.GetServerMetadata();
        var response = new ServerMetadataResponse { Name = metadata.Name, Version = metadata.Version };
        response.Extensions.AddRange(metadata.Extensions);
        return Task.FromResult(response);
    }

    public Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        Run(request.Name, () =>
        {
            var metadata = server.GetModelMetadata(request.Name, request.Version);
            var response = new ModelMetadataResponse { Name = metadata.Name, Platform = metadata.Platform };
            response.Versions.AddRange(metadata.Versions ?? []);
            response.Inputs.AddRange(metadata.Inputs.Select(ToWire));
            response.Outputs.AddRange(metadata.Outputs.Select(ToWire));
            return response;
        });

    /// <summary>Triton's <c>ModelConfig</c> (model configuration extension).</summary>
    public Task<Triton.ModelConfigResponse> ModelConfig(Triton.ModelConfigRequest request, ServerCallContext context) =>
        Run(request.Name, () => new Triton.ModelConfigResponse { Config = server.GetModelConfig(request.Name, request.Version) });

    public async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        try
        {
            return await InferAsync(request, context, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw ToRpc(ex);
        }
    }

    public async Task ModelStreamInfer(IAsyncStreamReader<ModelInferRequest> requestStream, IServerStreamWriter<ModelStreamInferResponse> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            ModelStreamInferResponse answer;
            try
            {
                var current = requestStream.Current;
                if (InferenceServiceMethodProvider.PreflightRejections.TryGetValue(current, out var rejected))
                {
                    throw rejected;
                }

                answer = new ModelStreamInferResponse { InferResponse = await InferAsync(current, context, context.CancellationToken).ConfigureAwait(false) };
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
            {
                // One failed request does not end the stream.
                answer = new ModelStreamInferResponse { ErrorMessage = ErrorClassifier.Classify(ex).Message };
            }

            await responseStream.WriteAsync(answer, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        var response = new RepositoryIndexResponse();
        foreach (var entry in server.GetRepositoryIndex(request.Ready))
        {
            response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex { Name = entry.Name, Version = entry.Version ?? string.Empty, State = entry.State, Reason = entry.Reason });
        }

        return Task.FromResult(response);
    }

    public async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        await Run(request.ModelName, async () => await server.LoadModelAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return new RepositoryModelLoadResponse();
    }

    public async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        await Run(request.ModelName, async () => await server.UnloadModelAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return new RepositoryModelUnloadResponse();
    }

    private async Task<ModelInferResponse> InferAsync(ModelInferRequest message, ServerCallContext context, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        string model = server.MetricsModelName(message.ModelName);
        metrics.RequestStarted(Protocol);
        var activity = ServerActivitySource.StartGrpc(context.RequestHeaders, static (h, key) => h.GetValue(key), "ModelInfer", message.ModelName, message.ModelVersion);
        string outcome = "error";
        string? reason = null;
        bool serverFault = false;
        string? servedVersion = null;
        var status = StatusCode.OK;
        double queue = 0;
        double compute = 0;
        bool entered = false;
        try
        {
            entered = true;
            if (!server.EnterRequest())
            {
                throw ModelServer.Draining();
            }

            var request = GrpcInferenceCodec.DecodeRequest(message, server.LimitsFor(message.ModelName, message.ModelVersion));
            var result = await server.InferAsync(message.ModelName, message.ModelVersion, request, cancellationToken).ConfigureAwait(false);
            queue = result.QueueSeconds;
            compute = result.ComputeSeconds;
            servedVersion = result.Response.ModelVersion;
            var response = GrpcInferenceCodec.EncodeResponse(result.Response);
            outcome = "success";
            return response;
        }
        catch (Exception ex)
        {
            var info = ErrorClassifier.Classify(ex);
            outcome = info.Outcome;
            reason = info.Reason;
            serverFault = info.IsServerFault;
            status = info.GrpcStatus;
            Report(info, ex, model);
            throw;
        }
        finally
        {
            if (entered)
            {
                server.ExitRequest();
            }

            metrics.RequestFinished(model, Protocol, outcome, reason, start, queue, compute);
            activity?.SetTag("rpc.grpc.status_code", (int)status);
            ServerActivitySource.Finish(activity, outcome, reason, serverFault, servedVersion);
        }
    }

    private async Task<T> Run<T>(string name, Func<T> action)
    {
        try
        {
            await Task.CompletedTask.ConfigureAwait(false);
            return action();
        }
        catch (Exception ex)
        {
            Report(ErrorClassifier.Classify(ex), ex, server.MetricsModelName(name));
            throw ToRpc(ex);
        }
    }

    private async Task Run(string name, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Report(ErrorClassifier.Classify(ex), ex, server.MetricsModelName(name));
            throw ToRpc(ex);
        }
    }

    private void Report(ErrorInfo info, Exception exception, string model)
    {
        if (info.IsServerFault)
        {
            ServerLog.UnexpectedError(logger, exception, Protocol, model);
        }
        else
        {
            ServerLog.RequestRejected(logger, Protocol, model, info.HttpStatus, info.Reason, info.Message);
        }
    }

    private static RpcException ToRpc(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        var info = ErrorClassifier.Classify(exception);
        return new RpcException(new Status(info.GrpcStatus, info.Message));
    }

    private static ModelMetadataResponse.Types.TensorMetadata ToWire(ModelKit.Protocol.Metadata.TensorMetadata tensor)
    {
        var wire = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        wire.Shape.AddRange(tensor.Shape);
        if (tensor.Parameters?.GetValueOrDefault(ModelKit.Protocol.ProtocolNames.ContentType).AsString() is { } contentType)
        {
            wire.Parameters[ModelKit.Protocol.ProtocolNames.ContentType] = new InferParameter { StringParam = contentType };
        }

        return wire;
    }
}
