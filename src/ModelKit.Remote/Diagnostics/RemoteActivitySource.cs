using System.Diagnostics;

namespace ModelKit.Remote;

/// <summary>
/// The remote backend's spans (<see cref="ActivitySource"/> <c>ModelKit.Remote</c>): one client span per remote request, named and
/// tagged per OpenTelemetry's HTTP (<c>POST</c>, <c>http.request.method</c>, <c>url.full</c>, <c>http.response.status_code</c>)
/// or RPC (<c>inference.GRPCInferenceService/ModelInfer</c>, <c>rpc.system</c>, <c>rpc.grpc.status_code</c>) conventions. The span's
/// W3C <c>traceparent</c>/<c>tracestate</c> travel in the request's headers or gRPC metadata, so the server continues the trace.
/// </summary>
public static class RemoteActivitySource
{
    /// <summary>The source's name.</summary>
    public const string Name = "ModelKit.Remote";

    /// <summary>The source.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(RemoteActivitySource).Assembly.GetName().Version?.ToString());

    internal const string GrpcService = "inference.GRPCInferenceService";

    /// <summary>Starts the client span of one REST request; null when nobody listens.</summary>
    internal static Activity? StartRest(RemoteTarget target, Uri uri)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("POST", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", "POST");
            activity.SetTag("url.full", uri.ToString());
            activity.SetTag("server.address", uri.Host);
            activity.SetTag("server.port", uri.Port);
            activity.SetTag("network.protocol.name", "http");
            SetModel(activity, target);
        }

        return activity;
    }

    /// <summary>Starts the client span of one gRPC call; null when nobody listens.</summary>
    internal static Activity? StartGrpc(RemoteTarget target, string method)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(GrpcService + "/" + method, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", GrpcService);
            activity.SetTag("rpc.method", method);
            activity.SetTag("server.address", target.Endpoint.Host);
            activity.SetTag("server.port", target.Endpoint.Port);
            SetModel(activity, target);
        }

        return activity;
    }

    /// <summary>Writes the span's W3C trace context through <paramref name="setter"/> (headers or gRPC metadata).</summary>
    internal static void Inject<TCarrier>(Activity activity, TCarrier carrier, Action<TCarrier, string, string> setter)
    {
        DistributedContextPropagator.Current.Inject(activity, carrier, (c, key, value) =>
        {
            if (value is not null)
            {
                setter((TCarrier)c!, key, value);
            }
        });
    }

    private static void SetModel(Activity activity, RemoteTarget target)
    {
        activity.SetTag(ModelKitActivitySource.Tags.Model, target.RemoteName);
        if (target.Version is not null)
        {
            activity.SetTag(ModelKitActivitySource.Tags.ModelVersion, target.Version);
        }
    }
}
