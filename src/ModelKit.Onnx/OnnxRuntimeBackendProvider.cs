using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelKit.Onnx;

/// <summary>Serves models whose options set a <see cref="ModelOptions.Path"/>, in-process on ONNX Runtime.</summary>
public sealed class OnnxRuntimeBackendProvider : IInferenceBackendProvider
{
    /// <inheritdoc/>
    public string Name => "onnxruntime";

    /// <inheritdoc/>
    public bool CanCreate(ModelOptions options) => options.IsLocal && !options.IsRemote && options.Processing?.Kind is null;

    /// <inheritdoc/>
    public IInferenceBackend Create(string modelName, ModelOptions options, IServiceProvider services)
    {
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("ModelKit.Onnx");
        return OnnxModelBackend.Load(modelName, options.Path!, options, logger);
    }

    /// <summary>Registers the provider (generated contracts call this when their assembly references ModelKit.Onnx).</summary>
    public static void Register(ModelKitBuilder builder) => builder.AddBackendProvider<OnnxRuntimeBackendProvider>();
}

/// <summary>Registration of the ONNX Runtime backend.</summary>
public static class OnnxModelKitBuilderExtensions
{
    /// <summary>Serves models with a <c>Path</c> in-process on ONNX Runtime.</summary>
    public static ModelKitBuilder AddOnnxRuntime(this ModelKitBuilder builder)
    {
        OnnxRuntimeBackendProvider.Register(builder);
        return builder;
    }
}
