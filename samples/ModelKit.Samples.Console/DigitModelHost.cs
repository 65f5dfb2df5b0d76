using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Samples.ConsoleApp.Contracts;
using ModelKit.Samples.ConsoleApp.Serving;

namespace ModelKit.Samples.ConsoleApp;

/// <summary>
/// Registers the chosen model with ModelKit (<c>services.AddModelKit(kit => kit.AddModel&lt;TContract&gt;(...))</c>) and resolves its
/// client the way an application would: from dependency injection.
/// </summary>
internal sealed class DigitModelHost : IDisposable
{
    /// <summary>Runs on zero-filled inputs before the model is handed out.</summary>
    public const int WarmupRuns = 5;

    private const string UntypedModelName = "digits";

    private readonly ServiceProvider _provider;

    private DigitModelHost(ServiceProvider provider, IDigitModel model)
    {
        _provider = provider;
        Model = model;
    }

    /// <summary>The served model.</summary>
    public IDigitModel Model { get; }

    public static DigitModelHost Create(DigitModelKind kind, string path, SampleOptions options)
    {
        void Configure(ModelOptions model)
        {
            model.Path = path;
            model.IntraOpThreads = options.Threads;
            model.WarmupRuns = WarmupRuns;
        }

        var services = new ServiceCollection();
        services.AddModelKit(kit =>
        {
            _ = kind switch
            {
                DigitModelKind.Mlp => kit.AddModel<IMlpDigitClassifier>(Configure),
                DigitModelKind.Cnn => kit.AddModel<IDigitClassifier>(Configure),
                _ => kit.AddOnnxRuntime().AddModel(UntypedModelName, Configure),
            };
        });

        var provider = services.BuildServiceProvider();
        try
        {
            var registry = provider.GetRequiredService<ModelRegistry>();
            IDigitModel model = kind switch
            {
                DigitModelKind.Mlp => new MlpDigitModel(
                    provider.GetRequiredService<IMlpDigitClassifier>(), options.PixelScale ?? 1f, registry.GetBackend("mnist-mlp").Description),
                DigitModelKind.Cnn => new CnnDigitModel(
                    provider.GetRequiredService<IDigitClassifier>(), options.PixelScale ?? 255f, registry.GetBackend("mnist").Description),
                _ => CreateUntyped(registry.GetBackend(UntypedModelName), options.PixelScale ?? 1f),
            };
            return new DigitModelHost(provider, model);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public void Dispose() => _provider.Dispose();

    private static UntypedDigitModel CreateUntyped(IInferenceBackend backend, float pixelScale) =>
        new(new DynamicModelClient(backend), backend.Signature.Inputs[0], backend.Signature.Outputs[0], pixelScale, backend.Description);
}
