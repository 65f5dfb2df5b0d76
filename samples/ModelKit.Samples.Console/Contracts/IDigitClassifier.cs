namespace ModelKit.Samples.ConsoleApp.Contracts;

/// <summary>
/// The ONNX model zoo's MNIST CNN (<c>../shared/models/mnist.onnx</c>, or <c>mnist-batch.onnx</c> with a dynamic batch):
/// <c>Input3</c> float [1, 1, 28, 28] with pixels 0..255 in, <c>Plus214_Output_0</c> float [1, 10] logits out.
/// </summary>
[ModelContract("mnist")]
public partial interface IDigitClassifier
{
    /// <summary>Classifies one digit.</summary>
    DigitScores Predict(DigitImage image);

    /// <summary>Classifies one digit asynchronously.</summary>
    ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);

    /// <summary>Classifies several digits: one stacked run when the model's batch dimension is dynamic, else one run each.</summary>
    DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images);
}

/// <summary>One digit for the CNN: 28×28 pixels in 0..255.</summary>
public sealed class DigitImage
{
    /// <summary>The pixels, [1, 1, 28, 28].</summary>
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>The CNN's answer: one logit per digit 0–9 (the largest wins).</summary>
public sealed class DigitScores
{
    /// <summary>Ten logits.</summary>
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}
