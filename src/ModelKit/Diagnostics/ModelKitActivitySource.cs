using System.Diagnostics;
using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// ModelKit's distributed tracing (<see cref="System.Diagnostics.ActivitySource"/> <c>ModelKit</c>): a span per client call
/// (<c>{Contract}.{Operation}</c>), per dynamic batch (<c>batch {model}</c>, linked to the spans of the calls it stacks) and per
/// model run (<c>run {model}</c>). Turn it on with OpenTelemetry's <c>AddSource("ModelKit*")</c> (also picks up
/// <c>ModelKit.Remote</c> and <c>ModelKit.Server</c>). Nothing is recorded, and nothing allocated, while no listener is attached.
/// </summary>
public static class ModelKitActivitySource
{
    /// <summary>The source's name.</summary>
    public const string Name = "ModelKit";

    /// <summary>The source (spans of client calls, batches and model runs).</summary>
    public static readonly ActivitySource Source = new(Name, typeof(ModelKitActivitySource).Assembly.GetName().Version?.ToString());

    /// <summary>Attribute names the spans carry (ModelKit's own where OpenTelemetry has no convention).</summary>
    public static class Tags
    {
        /// <summary>The contract interface.</summary>
        public const string Contract = "modelkit.contract";

        /// <summary>The contract method.</summary>
        public const string Operation = "modelkit.operation";

        /// <summary>The model's name.</summary>
        public const string Model = "modelkit.model.name";

        /// <summary>The model's version, where known.</summary>
        public const string ModelVersion = "modelkit.model.version";

        /// <summary>The backend (<c>onnxruntime</c>, <c>remote</c>, <c>onnxruntime+batching</c>…).</summary>
        public const string Backend = "modelkit.backend";

        /// <summary>Items (rows) in one run or batch.</summary>
        public const string BatchSize = "modelkit.batch.size";

        /// <summary><c>success</c>, <c>canceled</c>, <c>invalid_input</c>, <c>error</c>.</summary>
        public const string Outcome = "modelkit.outcome";

        /// <summary>OpenTelemetry's <c>error.type</c>: the exception's type on failure.</summary>
        public const string ErrorType = "error.type";
    }

    /// <summary>The outcome tag of an error (null: success).</summary>
    public static string Outcome(Exception? error) => error switch
    {
        null => "success",
        OperationCanceledException => "canceled",
        TensorMismatchException => "invalid_input",
        _ => "error",
    };

    /// <summary>Ends <paramref name="activity"/> with the outcome of <paramref name="error"/> (OpenTelemetry: status Error and <c>error.type</c>).</summary>
    public static void Finish(Activity? activity, Exception? error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(Tags.Outcome, Outcome(error));
        if (error is not null)
        {
            activity.SetTag(Tags.ErrorType, error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        activity.Dispose();
    }

    /// <summary>Whether the current span is one of ModelKit's own (an inner runner then records no client-call span of its own).</summary>
    internal static bool InModelKitSpan => Activity.Current is { } current && ReferenceEquals(current.Source, Source);

    /// <summary>Starts a client-call span unless a ModelKit span is current already; null when nobody listens.</summary>
    internal static Activity? StartCall(OperationRunner runner, int items = 1)
    {
        if (!Source.HasListeners() || InModelKitSpan)
        {
            return null;
        }

        var operation = runner.Operation;
        var activity = Source.StartActivity(operation.Descriptor.DisplayName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Contract, operation.Descriptor.Contract);
            activity.SetTag(Tags.Operation, operation.Descriptor.Method);
            activity.SetTag(Tags.Model, operation.ModelName);
            activity.SetTag(Tags.Backend, runner.BackendName);
            if (items != 1)
            {
                activity.SetTag(Tags.BatchSize, items);
            }
        }

        return activity;
    }

    /// <summary>Starts a model-run span; null when nobody listens.</summary>
    internal static Activity? StartRun(OperationRunner runner, int items)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("run " + runner.Operation.ModelName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Model, runner.Operation.ModelName);
            activity.SetTag(Tags.Backend, runner.BackendName);
            activity.SetTag(Tags.BatchSize, items);
        }

        return activity;
    }

    /// <summary>Starts a batch span with no parent, linked to the spans of the calls it runs; null when nobody listens.</summary>
    internal static Activity? StartBatch(OperationRunner runner, List<InferenceCall> batch, Func<InferenceCall, ActivityContext> contextOf)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var links = new List<ActivityLink>(batch.Count);
        foreach (var call in batch)
        {
            var context = contextOf(call);
            if (context != default)
            {
                links.Add(new ActivityLink(context));
            }
        }

        // A batch serves many callers: it starts its own trace (the callers' spans are links), unless it has exactly one caller.
        var parent = links.Count == 1 ? links[0].Context : default;
        var activity = Source.StartActivity(ActivityKind.Internal, parent, tags: null, links, name: "batch " + runner.Operation.ModelName);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Tags.Model, runner.Operation.ModelName);
            activity.SetTag(Tags.Backend, runner.BackendName);
            activity.SetTag(Tags.BatchSize, batch.Count);
        }

        return activity;
    }
}
