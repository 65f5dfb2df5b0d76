namespace ModelKit.Samples.BlazorApp.Contracts;

/// <summary>
/// The ONNX model zoo's MNIST CNN (<c>../shared/models/mnist.onnx</c>): <c>Input3</c> float [1, 1, 28, 28] with pixels 0..255 in,
/// <c>Plus214_Output_0</c> float [1, 10] logits out. ModelKit's source generator writes the client.
/// </summary>
[ModelContract("mnist")]
public partial interface IDigitClassifier
{
    /// <summary>Classifies one digit asynchronously.</summary>
    ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);
}

/// <summary>One digit for the CNN: 28×28 pixels in 0..255.</summary>
public sealed class DigitImage
{
    /// <summary>The pixels, [1, 1, 28, 28].</summary>
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>The CNN's answer: one logit per digit 0–9.</summary>
public sealed class DigitScores
{
    /// <summary>Ten logits.</summary>
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}

/// <summary>
/// The seeds' MLP as the console sample trains and exports it (<see cref="ModelKit.Samples.Mnist.MlpModelCache"/>): <c>pixels</c>
/// float [N, 784] (0..1) in, <c>probabilities</c> float [N, 10] out.
/// </summary>
[ModelContract("mnist-mlp")]
public partial interface IMlpDigitClassifier
{
    /// <summary>Classifies one digit asynchronously.</summary>
    ValueTask<DigitProbabilities> PredictAsync(MlpDigitImage image, CancellationToken cancellationToken = default);
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
