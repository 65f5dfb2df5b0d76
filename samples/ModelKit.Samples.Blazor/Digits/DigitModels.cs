using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>The two models the page can switch between.</summary>
public enum DigitModelKind
{
    /// <summary>The model zoo's CNN (model <c>mnist</c>).</summary>
    Cnn,

    /// <summary>The seeds' MLP (model <c>mnist-mlp</c>).</summary>
    Mlp,
}

/// <summary>Where a prediction runs.</summary>
public enum InferenceLocation
{
    /// <summary>In this process, on ONNX Runtime.</summary>
    Local,

    /// <summary>On a ModelKit server, over the Open Inference Protocol.</summary>
    Remote,
}

/// <summary>What the sample knows about one of its models.</summary>
/// <param name="Kind">Which model.</param>
/// <param name="ModelName">The ModelKit model name (configuration key and name on the wire).</param>
/// <param name="Title">What the page calls it.</param>
/// <param name="Path">Its ONNX file, or null when there is none.</param>
/// <param name="PixelScale">What the model wants the 0..1 pixels multiplied by.</param>
public sealed record DigitModelInfo(DigitModelKind Kind, string ModelName, string Title, string? Path, float PixelScale);

/// <summary>The sample's models: the CNN when its file exists, and the MLP (trained on first start when missing).</summary>
public sealed class DigitModelCatalog
{
    public DigitModelCatalog(string? cnnPath, string mlpPath)
    {
        Cnn = new DigitModelInfo(DigitModelKind.Cnn, "mnist", "CNN (ONNX model zoo)", cnnPath, 255f);
        Mlp = new DigitModelInfo(DigitModelKind.Mlp, "mnist-mlp", "MLP (trained here, 784→64→64→10)", mlpPath, 1f);
    }

    /// <summary>The CNN; <see cref="DigitModelInfo.Path"/> is null when no file was found.</summary>
    public DigitModelInfo Cnn { get; }

    /// <summary>The MLP.</summary>
    public DigitModelInfo Mlp { get; }

    /// <summary>Both models.</summary>
    public IEnumerable<DigitModelInfo> All => [Cnn, Mlp];

    /// <summary>Whether the CNN is available.</summary>
    public bool HasCnn => Cnn.Path is not null;

    /// <summary>The model information for <paramref name="kind"/>.</summary>
    public DigitModelInfo Get(DigitModelKind kind) => kind == DigitModelKind.Cnn ? Cnn : Mlp;
}

/// <summary>State of the MLP: training (with progress), ready, or failed.</summary>
public sealed class MlpTrainingState
{
    private volatile TrainingProgress? _progress;
    private volatile string? _error;
    private volatile bool _ready;

    /// <summary>Raised (on a pool thread) whenever the state changes.</summary>
    public event Action? Changed;

    /// <summary>Whether the model file exists and the server serves it.</summary>
    public bool IsReady => _ready;

    /// <summary>Whether training is under way.</summary>
    public bool IsTraining => !_ready && _error is null && _progress is not null;

    /// <summary>The latest progress report, or null before training started.</summary>
    public TrainingProgress? Progress => _progress;

    /// <summary>Why the MLP is unavailable, or null.</summary>
    public string? Error => _error;

    internal void Report(TrainingProgress progress)
    {
        _progress = progress;
        Changed?.Invoke();
    }

    internal void MarkReady()
    {
        _ready = true;
        Changed?.Invoke();
    }

    internal void Fail(string error)
    {
        _error = error;
        Changed?.Invoke();
    }
}
