namespace ModelKit.Samples.ConsoleApp.Contracts;

/// <summary>
/// The seeds' MLP as exported by <see cref="ModelKit.Samples.Mnist.MlpOnnxExporter"/>: <c>pixels</c> float [N, 784] (0..1) in,
/// <c>probabilities</c> float [N, 10] out. ModelKit's source generator writes the client; <c>AddModel&lt;IMlpDigitClassifier&gt;()</c> registers it.
/// </summary>
[ModelContract("mnist-mlp")]
public partial interface IMlpDigitClassifier
{
    /// <summary>Classifies one digit.</summary>
    DigitProbabilities Predict(MlpDigitImage image);

    /// <summary>Classifies one digit asynchronously.</summary>
    ValueTask<DigitProbabilities> PredictAsync(MlpDigitImage image, CancellationToken cancellationToken = default);

    /// <summary>Classifies several digits in one run (the model's batch dimension is dynamic).</summary>
    DigitProbabilities[] PredictBatch(IReadOnlyList<MlpDigitImage> images);
}

/// <summary>One digit for the MLP: 784 pixels in 0..1, row-major 28×28.</summary>
public sealed class MlpDigitImage
{
    /// <summary>The pixels, as one row of the model's [N, 784] input.</summary>
    [Tensor("pixels", 1, 784)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>The MLP's answer: the probability of each digit 0–9.</summary>
public sealed class DigitProbabilities
{
    /// <summary>Ten probabilities summing to 1.</summary>
    [Tensor("probabilities")]
    public float[] Values { get; set; } = [];
}
