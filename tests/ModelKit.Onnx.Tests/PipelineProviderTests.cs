using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;

namespace ModelKit.Onnx.Tests;

/// <summary>
/// <see cref="PipelineBackendProvider{TPipeline}"/> (the base of the text-embedding and OCR providers) with a two-network pipeline of
/// real ONNX Runtime sessions: kind matching, files and settings from the folder, networks loaded with the model's runtime options,
/// and every network loaded disposed when building fails.
/// </summary>
public sealed class PipelineProviderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelkit-pipeline-").FullName;

    public PipelineProviderTests()
    {
        File.WriteAllBytes(Path.Combine(_folder, "first.onnx"), TestModels.AddConstant(1));
        File.WriteAllBytes(Path.Combine(_folder, "second.onnx"), TestModels.AddConstant(10));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static OperationDescriptor Operation() => Ops.Operation("IChain", "Run", [Ops.Input<float>("x", [1, 4])], [Ops.Output<float>("y", [1, 4])]);

    private ModelOptions Options(params (string Key, string Value)[] settings)
    {
        var options = new ModelOptions { Path = _folder, IntraOpThreads = 1, Processing = new ProcessingOptions { Kind = ChainProvider.Kind } };
        foreach (var (key, value) in settings)
        {
            options.Processing.Settings[key] = value;
        }

        return options;
    }

    private static ServiceProvider Services(Action<ModelKitBuilder>? models = null)
    {
        var services = new ServiceCollection();
        var kit = services.AddModelKit().AddOnnxRuntime();
        models?.Invoke(kit);
        return services.BuildServiceProvider();
    }

    private static float[] Run(IInferenceBackend backend, float[] x)
    {
        using var runner = backend.Bind(Operation());
        var y = new float[4];
        Ops.RunInto(runner, x, y);
        return y;
    }

    [Fact]
    public void A_registered_kind_is_served_by_its_provider_with_both_networks()
    {
        using var services = Services(kit => kit.AddBackendProvider<ChainProvider>().AddModel("chain", o =>
        {
            o.Path = _folder;
            o.IntraOpThreads = 1;
            o.Processing = new ProcessingOptions { Kind = "CHAIN" };
        }));
        var backend = services.GetRequiredService<ModelRegistry>().GetBackend("chain");

        Assert.IsType<ChainPipeline>(backend);
        Assert.Equal([11f, 12f, 13f, 14f], Run(backend, [0, 1, 2, 3]));
    }

    [Fact]
    public void Can_create_only_local_models_of_its_kind()
    {
        var provider = new ChainProvider();
        Assert.Equal("chain", provider.Name);
        Assert.True(provider.CanCreate(Options()));
        Assert.False(provider.CanCreate(new ModelOptions { Path = _folder }));
        Assert.False(provider.CanCreate(new ModelOptions { Path = _folder, Processing = new ProcessingOptions { Kind = "ocr" } }));
        Assert.False(provider.CanCreate(new ModelOptions { Endpoint = "http://127.0.0.1:1", Processing = new ProcessingOptions { Kind = "chain" } }));
    }

    [Fact]
    public void Settings_name_the_files_and_the_pipeline_owns_its_networks()
    {
        File.Copy(Path.Combine(_folder, "second.onnx"), Path.Combine(_folder, "other.onnx"));
        using var services = Services();
        var provider = new ChainProvider();
        var pipeline = Assert.IsType<ChainPipeline>(provider.Create("chain", Options(("first", "other.onnx"), ("repeat", "2")), services));

        Assert.Equal([40f, 41f, 42f, 43f], Run(pipeline, [0, 1, 2, 3]));
        Assert.Equal(2, provider.Loaded.Count);
        pipeline.Dispose();
        Assert.All(provider.Loaded, network => Assert.Throws<ObjectDisposedException>(() => network.Bind(Operation())));
    }

    [Fact]
    public void A_missing_file_names_the_setting_and_disposes_the_networks_already_loaded()
    {
        using var services = Services();
        var provider = new ChainProvider();

        var error = Assert.Throws<ModelLoadException>(() => provider.Create("chain", Options(("second", "missing.onnx")), services));

        Assert.Contains("processing.second: 'missing.onnx' is not in", error.Message);
        var first = Assert.Single(provider.Loaded);
        Assert.Throws<ObjectDisposedException>(() => first.Bind(Operation()));
    }

    [Fact]
    public void An_invalid_setting_after_loading_disposes_every_network_loaded()
    {
        using var services = Services();
        var provider = new ChainProvider();

        var error = Assert.Throws<ModelLoadException>(() => provider.Create("chain", Options(("repeat", "99")), services));

        Assert.Contains("processing.repeat '99' is not an integer from 1 to 3", error.Message);
        Assert.Equal(2, provider.Loaded.Count);
        Assert.All(provider.Loaded, network => Assert.Throws<ObjectDisposedException>(() => network.Bind(Operation())));
    }

    [Fact]
    public void A_file_outside_the_folder_is_refused()
    {
        using var services = Services();
        var error = Assert.Throws<ModelLoadException>(() => new ChainProvider().Create("chain", Options(("first", "../first.onnx")), services));
        Assert.Contains("processing.first '../first.onnx' points outside the model's folder", error.Message);
    }

    /// <summary>Kind <c>chain</c>: <c>first</c> then <c>second</c> (ONNX files, defaults first.onnx, second.onnx), <c>repeat</c> (1–3) times.</summary>
    public sealed class ChainProvider() : PipelineBackendProvider<ChainPipeline>(Kind)
    {
        public const string Kind = "chain";

        public List<IInferenceBackend> Loaded { get; } = [];

        protected override ChainPipeline Build(PipelineBuildContext context)
        {
            var first = Load(context, context.RequireFile("first", "first.onnx"));
            var second = Load(context, context.RequireFile("second", "second.onnx"));
            int repeat = context.Int("repeat", 1, 1, 3);
            return new ChainPipeline(context.ModelName, first, second, repeat);
        }

        private IInferenceBackend Load(PipelineBuildContext context, string path)
        {
            var network = context.LoadNetwork(path);
            Loaded.Add(network);
            return network;
        }
    }

    /// <summary>y = second(first(x)), <c>repeat</c> times.</summary>
    public sealed class ChainPipeline(string modelName, IInferenceBackend first, IInferenceBackend second, int repeat) : PipelineBackend(modelName)
    {
        public override ModelSignature Signature { get; } = new(
            [new TensorInfo("x", TensorElementType.Float, [1, 4])],
            [new TensorInfo("y", TensorElementType.Float, [1, 4])]);

        public override string Description => "chain";

        protected override string BackendName => "chain";

        protected override ValueTask<TensorValue[]> RunAsync(TensorValue[] inputs, CancellationToken cancellationToken)
        {
            var y = inputs[0].Buffer.AsSpan<float>().ToArray();
            for (int i = 0; i < repeat; i++)
            {
                y = Run(second, Run(first, y));
            }

            return ValueTask.FromResult<TensorValue[]>([TensorValue.Create(y, 1, 4)]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                first.Dispose();
                second.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
