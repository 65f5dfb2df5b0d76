using System.Buffers;
using System.Numerics.Tensors;

namespace ModelKit.Samples.Mnist;

/// <summary>
/// A trained (or freshly initialised) multi-layer perceptron over MNIST pixels: dense layers with ReLU between them and a
/// softmax at the end. All parameters live in one contiguous array (the optimiser updates them in a few vector operations).
/// </summary>
public sealed class MlpModel
{
    /// <summary>Pixels per digit (28 × 28).</summary>
    public const int InputSize = 784;

    /// <summary>Classes (digits 0–9).</summary>
    public const int ClassCount = 10;

    private readonly DenseLayer[] _layers;

    internal MlpModel(IReadOnlyList<int> hiddenLayers)
    {
        var sizes = new List<int> { InputSize };
        sizes.AddRange(hiddenLayers);
        sizes.Add(ClassCount);
        int count = 0;
        for (int l = 0; l + 1 < sizes.Count; l++)
        {
            count += (sizes[l] * sizes[l + 1]) + sizes[l + 1];
        }

        Parameters = new float[count];
        _layers = new DenseLayer[sizes.Count - 1];
        int offset = 0;
        for (int l = 0; l < _layers.Length; l++)
        {
            int inputs = sizes[l], outputs = sizes[l + 1];
            var weights = Parameters.AsMemory(offset, inputs * outputs);
            offset += inputs * outputs;
            var bias = Parameters.AsMemory(offset, outputs);
            offset += outputs;
            _layers[l] = new DenseLayer(inputs, outputs, l == _layers.Length - 1 ? DenseActivation.Softmax : DenseActivation.Relu, weights, bias);
        }

        MaxLayerSize = sizes.Max();
        ActivationCount = sizes.Sum() - InputSize;
    }

    /// <summary>The layers, input first.</summary>
    public IReadOnlyList<DenseLayer> Layers => _layers;

    /// <summary>Number of trainable parameters.</summary>
    public int ParameterCount => Parameters.Length;

    /// <summary>Every parameter, layer by layer (weights then bias).</summary>
    internal float[] Parameters { get; }

    /// <summary>Widest layer.</summary>
    internal int MaxLayerSize { get; }

    /// <summary>Outputs of all layers together (the scratch one forward pass needs).</summary>
    internal int ActivationCount { get; }

    /// <summary>Writes the ten class probabilities of one digit into <paramref name="probabilities"/>. Thread-safe.</summary>
    public void Predict(ReadOnlySpan<float> pixels, Span<float> probabilities)
    {
        if (pixels.Length != InputSize)
        {
            throw new ArgumentException($"Expected {InputSize} pixels, got {pixels.Length}.", nameof(pixels));
        }

        if (probabilities.Length != ClassCount)
        {
            throw new ArgumentException($"Expected room for {ClassCount} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }

        float[]? rented = null;
        Span<float> scratch = ActivationCount <= 1024
            ? stackalloc float[ActivationCount]
            : (rented = ArrayPool<float>.Shared.Rent(ActivationCount)).AsSpan(0, ActivationCount);
        try
        {
            Forward(pixels, scratch).CopyTo(probabilities);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The ten class probabilities of one digit.</summary>
    public float[] Predict(ReadOnlySpan<float> pixels)
    {
        var probabilities = new float[ClassCount];
        Predict(pixels, probabilities);
        return probabilities;
    }

    /// <summary>The most probable digit.</summary>
    public int Classify(ReadOnlySpan<float> pixels)
    {
        Span<float> probabilities = stackalloc float[ClassCount];
        Predict(pixels, probabilities);
        return TensorPrimitives.IndexOfMax<float>(probabilities);
    }

    /// <summary>Accuracy and mean cross-entropy over <paramref name="digits"/>.</summary>
    public MlpEvaluation Evaluate(IReadOnlyList<MnistDigit> digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Count == 0)
        {
            throw new ArgumentException("No digits to evaluate.", nameof(digits));
        }

        Span<float> probabilities = stackalloc float[ClassCount];
        int correct = 0;
        double loss = 0;
        foreach (var digit in digits)
        {
            Predict(digit.Pixels, probabilities);
            correct += TensorPrimitives.IndexOfMax<float>(probabilities) == digit.Label ? 1 : 0;
            loss += CrossEntropy(probabilities, digit.Label);
        }

        return new MlpEvaluation(digits.Count, correct, loss / digits.Count);
    }

    /// <summary>
    /// Runs every layer on one digit. <paramref name="activations"/> (length <see cref="ActivationCount"/>) receives each layer's
    /// outputs after its activation, layer after layer; returns the last layer's (the probabilities).
    /// </summary>
    internal Span<float> Forward(ReadOnlySpan<float> pixels, Span<float> activations)
    {
        ReadOnlySpan<float> input = pixels;
        int offset = 0;
        Span<float> output = default;
        foreach (var layer in _layers)
        {
            output = activations.Slice(offset, layer.OutputSize);
            Dense(layer, input, output);
            if (layer.Activation == DenseActivation.Relu)
            {
                TensorPrimitives.Max(output, 0f, output);
            }
            else
            {
                TensorPrimitives.SoftMax(output, output);
            }

            input = output;
            offset += layer.OutputSize;
        }

        return output;
    }

    /// <summary>-log p[label], with p clamped away from zero.</summary>
    internal static double CrossEntropy(ReadOnlySpan<float> probabilities, int label) =>
        -Math.Log(Math.Max(probabilities[label], 1e-7f));

    /// <summary><c>output = input · W + b</c>, one weight row per non-zero input (MNIST pixels are mostly zero, ReLU outputs often).</summary>
    private static void Dense(DenseLayer layer, ReadOnlySpan<float> input, Span<float> output)
    {
        var weights = layer.WeightsMemory.Span;
        int width = layer.OutputSize;
        layer.BiasMemory.Span.CopyTo(output);
        for (int i = 0; i < input.Length; i++)
        {
            float x = input[i];
            if (x != 0f)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(i * width, width), x, output, output);
            }
        }
    }
}

/// <summary>How well a model does on a set of digits.</summary>
/// <param name="Count">Digits evaluated.</param>
/// <param name="Correct">Digits classified correctly.</param>
/// <param name="Loss">Mean cross-entropy.</param>
public sealed record MlpEvaluation(int Count, int Correct, double Loss)
{
    /// <summary>Fraction classified correctly.</summary>
    public double Accuracy => (double)Correct / Count;
}
