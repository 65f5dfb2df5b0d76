namespace ModelKit.AotSmoke;

/// <summary>The ONNX model zoo's MNIST CNN: <c>Input3</c> float [1, 1, 28, 28] (pixels 0..255) in, <c>Plus214_Output_0</c> [1, 10] out.</summary>
[ModelContract("mnist")]
public partial interface IDigits
{
    /// <summary>Classifies one digit.</summary>
    DigitScores Predict(DigitImage image);

    /// <summary>Classifies one digit asynchronously.</summary>
    ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);
}

/// <summary>One digit: 28×28 pixels in 0..255.</summary>
public sealed class DigitImage
{
    /// <summary>The pixels, [1, 1, 28, 28].</summary>
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = [];
}

/// <summary>Ten logits, one per digit 0–9.</summary>
public sealed class DigitScores
{
    /// <summary>The logits.</summary>
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}
