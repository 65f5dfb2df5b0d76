using System.Diagnostics;

namespace ModelKit.Server;

/// <summary>
/// The server's spans (<see cref="ActivitySource"/> <c>ModelKit.Server</c>): one per inference request, continuing the caller's
/// W3C trace (<c>traceparent</c>/<c>tracestate</c> from the HTTP headers or gRPC metadata). REST requests follow OpenTelemetry's
/// HTTP server conventions (<c>POST /v2/models/{name}/infer</c>), gRPC requests its RPC conventions
/// (<c>inference.GRPCInferenceService/ModelInfer</c>). Waiting for an inference slot is an event (<c>modelkit.queued</c>); the
/// compute is the child span of the <c>ModelKit</c> source (with its batch and run spans).
/// </summary>
public static class ServerActivitySource
{
    /// <summary>The source's name.</summary>
    public const string Name = "ModelKit.Server";

    /// <summary>The source.</summary>
    public static readonly ActivitySource Source = new(Name, typeof(ServerActivitySource).Assembly.GetName().Version?.ToString());

    internal const string RestRoute = "/v2/models/{name}/infer";
    internal const string RestVersionRoute = "/v2/models/{name}/versions/{version}/infer";
    internal const string GrpcService = "inference.GRPCInferenceService";

    /// <summary>Starts a REST request's span; null when nobody listens.</summary>
    internal static Activity? StartRest<TCarrier>(TCarrier headers, Func<TCarrier, string, string?> header, string? model, string? version, string path)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        string route = version is null ? RestRoute : RestVersionRoute;
        var activity = Start("POST " + route, headers, header);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", "POST");
            activity.SetTag("http.route", route);
            activity.SetTag("url.path", path);
            SetModel(activity, model, version);
        }

        return activity;
    }

    /// <summary>Starts a gRPC call's span; null when nobody listens.</summary>
    internal static Activity? StartGrpc<TCarrier>(TCarrier metadata, Func<TCarrier, string, string?> header, string method, string? model, string? version)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Start(GrpcService + "/" + method, metadata, header);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", GrpcService);
            activity.SetTag("rpc.method", method);
            SetModel(activity, model, version);
        }

        return activity;
    }

    /// <summary>Records a wait for an inference slot on the current server span.</summary>
    internal static void Queued(double seconds)
    {
        if (Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.IsAllDataRequested)
        {
            current.AddEvent(new ActivityEvent("modelkit.queued", tags: new ActivityTagsCollection { ["modelkit.queue.duration"] = seconds }));
        }
    }

    /// <summary>Ends the span with the request's outcome (status Error and <c>error.type</c> for server faults, per OpenTelemetry).</summary>
    internal static void Finish(Activity? activity, string outcome, string? reason, bool serverFault, string? modelVersion)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(ModelKitActivitySource.Tags.Outcome, outcome);
        if (modelVersion is not null)
        {
            activity.SetTag(ModelKitActivitySource.Tags.ModelVersion, modelVersion);
        }

        if (reason is not null)
        {
            activity.SetTag(ModelKitActivitySource.Tags.ErrorType, reason);
            if (serverFault)
            {
                activity.SetStatus(ActivityStatusCode.Error, reason);
            }
        }

        activity.Dispose();
    }

    private static Activity? Start<TCarrier>(string name, TCarrier carrier, Func<TCarrier, string, string?> header)
    {
        // When ASP.NET Core's own request span is recorded, this span is its child; otherwise it is the server span and continues
        // the caller's trace from the W3C headers itself.
        if (Activity.Current is { } current && current.Source.Name.Length > 0 && current.Source.HasListeners() && current.Recorded)
        {
            return Source.StartActivity(name, ActivityKind.Internal);
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(carrier,
            (object? c, string key, out string? value, out IEnumerable<string>? values) =>
            {
                value = header((TCarrier)c!, key);
                values = null;
            },
            out string? traceParent, out string? traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        return Source.StartActivity(name, ActivityKind.Server, parent);
    }

    private static void SetModel(Activity activity, string? model, string? version)
    {
        activity.SetTag(ModelKitActivitySource.Tags.Model, model);
        if (!string.IsNullOrEmpty(version))
        {
            activity.SetTag(ModelKitActivitySource.Tags.ModelVersion, version);
        }
    }
}
