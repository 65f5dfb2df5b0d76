namespace ModelKit.Remote.Tests;

// The contract of the typed local inference issue, unchanged: nothing in it says local or remote.
[ModelContract("mnist")]
public partial interface IDigitClassifier
{
    DigitScores Predict(DigitImage image);

    ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);

    DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images);
}

public sealed class DigitImage
{
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = new float[784];
}

public sealed class DigitScores
{
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}

/// <summary>An output whose shape only the run knows (NonZero): it must come back with its shape, remote as local.</summary>
[ModelContract("nonzero")]
public partial interface INonZero
{
    [return: Tensor("y")]
    ModelTensor<long> Find([Tensor("x", -1)] float[] values);

    [return: Tensor("y")]
    ValueTask<ModelTensor<long>> FindAsync([Tensor("x", -1)] float[] values, CancellationToken cancellationToken = default);
}

/// <summary>A model that takes seconds, to cancel while it runs on the server.</summary>
[ModelContract("slow")]
public partial interface ISlow
{
    [return: Tensor("y")]
    ValueTask<float[]> RunAsync([Tensor("x", 256, 1024)] float[] x, CancellationToken cancellationToken);
}

/// <summary>The zero-copy shape of the MNIST contract: caller memory in and out.</summary>
[ModelContract("mnist")]
public partial interface IMnistInto
{
    void Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits);

    ValueTask PredictAsync([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits, CancellationToken cancellationToken);
}

/// <summary>The ONNX twin of the KServe corpus's add model (<see cref="ClientFaultTests.AddModel"/>), for the in-process memory soak.</summary>
[ModelContract("add")]
public partial interface IAdd
{
    [return: Tensor("output-0")]
    float[] Sum([Tensor("input-0", 1, 4)] float[] a, [Tensor("input-1", 1, 4)] float[] b);
}
