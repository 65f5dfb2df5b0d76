using Microsoft.ML;
using Microsoft.ML.Data;

namespace ModelKit.Benchmarks;

/// <summary>ML.NET's PredictionEngine over OnnxTransformer, the other thing a .NET developer would pick.</summary>
public sealed class MlNetBaseline<TInput, TOutput> : IDisposable
    where TInput : class, new()
    where TOutput : class, new()
{
    private readonly MLContext _context = new(seed: 1);
    private readonly PredictionEngine<TInput, TOutput> _engine;
    private readonly ITransformer _model;

    public MlNetBaseline(string modelPath, string[] inputs, string[] outputs, IDictionary<string, int[]> shapes)
    {
        var empty = _context.Data.LoadFromEnumerable(Array.Empty<TInput>());
        var pipeline = _context.Transforms.ApplyOnnxModel(outputs, inputs, modelPath, shapes, gpuDeviceId: null, fallbackToCpu: true);
        _model = pipeline.Fit(empty);
        _engine = _context.Model.CreatePredictionEngine<TInput, TOutput>(_model);
    }

    public TOutput Predict(TInput input) => _engine.Predict(input);

    public void Dispose()
    {
        _engine.Dispose();
        (_model as IDisposable)?.Dispose();
    }
}

public sealed class MnistMlInput
{
    [ColumnName("Input3")]
    [VectorType(1, 1, 28, 28)]
    public float[] Pixels { get; set; } = new float[784];
}

public sealed class MnistMlOutput
{
    [ColumnName("Plus214_Output_0")]
    [VectorType(10)]
    public float[] Logits { get; set; } = [];
}

public sealed class AddMlInput
{
    [ColumnName("a")]
    [VectorType(1, 16)]
    public float[] A { get; set; } = new float[16];

    [ColumnName("b")]
    [VectorType(1, 16)]
    public float[] B { get; set; } = new float[16];
}

public sealed class AddMlOutput
{
    [ColumnName("y")]
    [VectorType(16)]
    public float[] Y { get; set; } = [];
}
