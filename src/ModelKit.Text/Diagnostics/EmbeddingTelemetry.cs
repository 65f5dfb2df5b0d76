using System.Diagnostics;

namespace ModelKit.Text.Diagnostics;

/// <summary>
/// The span of one embeddings request on ModelKit's <see cref="ModelKitActivitySource.Source"/>, with OpenTelemetry's GenAI semantic
/// conventions (span <c>embeddings {model}</c>; <c>gen_ai.operation.name</c>, <c>gen_ai.provider.name</c>, <c>gen_ai.request.model</c>,
/// <c>gen_ai.usage.input_tokens</c>, <c>gen_ai.embeddings.dimension.count</c>) beside ModelKit's own model and batch-size tags. The
/// tokenization, batches and model runs beneath it are its children. Nothing is recorded while no listener is attached.
/// </summary>
public static class EmbeddingTelemetry
{
    /// <summary>OpenTelemetry GenAI attribute names used on the span.</summary>
    public static class Tags
    {
        /// <summary><c>gen_ai.operation.name</c> (always <c>embeddings</c> here).</summary>
        public const string OperationName = "gen_ai.operation.name";

        /// <summary><c>gen_ai.provider.name</c> (<c>modelkit</c>).</summary>
        public const string ProviderName = "gen_ai.provider.name";

        /// <summary><c>gen_ai.request.model</c>: the model asked for.</summary>
        public const string RequestModel = "gen_ai.request.model";

        /// <summary><c>gen_ai.response.model</c>: the model that answered.</summary>
        public const string ResponseModel = "gen_ai.response.model";

        /// <summary><c>gen_ai.usage.input_tokens</c>: tokens after truncation, with the special tokens.</summary>
        public const string InputTokens = "gen_ai.usage.input_tokens";

        /// <summary><c>gen_ai.embeddings.dimension.count</c>: the embedding length.</summary>
        public const string Dimensions = "gen_ai.embeddings.dimension.count";
    }

    /// <summary>The operation name and provider name ModelKit reports.</summary>
    public const string OperationName = "embeddings";

    /// <summary>The provider name ModelKit reports.</summary>
    public const string ProviderName = "modelkit";

    internal static Activity? Start(string model, int inputs)
    {
        var source = ModelKitActivitySource.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(OperationName + " " + model, ActivityKind.Internal);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(Tags.OperationName, OperationName);
        activity.SetTag(Tags.ProviderName, ProviderName);
        activity.SetTag(Tags.RequestModel, model);
        activity.SetTag(ModelKitActivitySource.Tags.Model, model);
        activity.SetTag(ModelKitActivitySource.Tags.BatchSize, inputs);
        return activity;
    }

    internal static void Finish(Activity? activity, string model, long inputTokens, int dimensions, Exception? error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is null)
        {
            activity.SetTag(Tags.ResponseModel, model);
            activity.SetTag(Tags.InputTokens, inputTokens);
            activity.SetTag(Tags.Dimensions, dimensions);
        }

        ModelKitActivitySource.Finish(activity, error);
    }
}
