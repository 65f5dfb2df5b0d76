using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>
/// A served digit model as the measurements see it: the digits are converted once into the client's input objects
/// (<see cref="Prepare"/>), then each call classifies prepared digit <c>index</c> through the client and returns its answer.
/// </summary>
internal interface IDigitModel
{
    /// <summary>How the model is called (contract, model name, backend).</summary>
    string Description { get; }

    /// <summary>Number of prepared digits.</summary>
    int Count { get; }

    /// <summary>Converts <paramref name="digits"/> into the client's input objects (pixels scaled as the model expects).</summary>
    void Prepare(IReadOnlyList<MnistDigit> digits);

    /// <summary>One synchronous call; the predicted digit.</summary>
    int Predict(int index);

    /// <summary>One asynchronous call; the predicted digit.</summary>
    ValueTask<int> PredictAsync(int index, CancellationToken cancellationToken);

    /// <summary>One batch call over prepared digits <paramref name="start"/>..; writes the predicted digits into <paramref name="labels"/>.</summary>
    void PredictBatch(int start, Span<int> labels);
}

/// <summary>Helpers shared by the digit models.</summary>
internal static class DigitModel
{
    /// <summary>The index of the largest score: the predicted digit (probabilities and logits alike).</summary>
    public static int ArgMax(ReadOnlySpan<float> scores) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(scores);

    /// <summary>A copy of <paramref name="pixels"/> multiplied by <paramref name="scale"/>.</summary>
    public static float[] Scale(float[] pixels, float scale)
    {
        var scaled = new float[pixels.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(pixels, scale, scaled);
        return scaled;
    }
}
