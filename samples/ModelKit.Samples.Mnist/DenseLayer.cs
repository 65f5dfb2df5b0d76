namespace ModelKit.Samples.Mnist;

/// <summary>The activation after a <see cref="DenseLayer"/>.</summary>
public enum DenseActivation
{
    /// <summary><c>max(0, x)</c>.</summary>
    Relu,

    /// <summary>Softmax over the layer's outputs.</summary>
    Softmax,
}

/// <summary>
/// One fully connected layer of an <see cref="MlpModel"/>: <c>y = activation(x · W + b)</c> with <c>W</c> stored row-major as
/// [<see cref="InputSize"/>, <see cref="OutputSize"/>] (ONNX <c>MatMul</c>/<c>Gemm</c> layout).
/// </summary>
public sealed class DenseLayer
{
    internal DenseLayer(int inputSize, int outputSize, DenseActivation activation, Memory<float> weights, Memory<float> bias)
    {
        InputSize = inputSize;
        OutputSize = outputSize;
        Activation = activation;
        WeightsMemory = weights;
        BiasMemory = bias;
    }

    /// <summary>Inputs of the layer.</summary>
    public int InputSize { get; }

    /// <summary>Outputs of the layer.</summary>
    public int OutputSize { get; }

    /// <summary>The activation applied to the layer's outputs.</summary>
    public DenseActivation Activation { get; }

    /// <summary>The weights, row-major [<see cref="InputSize"/>, <see cref="OutputSize"/>].</summary>
    public ReadOnlyMemory<float> Weights => WeightsMemory;

    /// <summary>The bias, [<see cref="OutputSize"/>].</summary>
    public ReadOnlyMemory<float> Bias => BiasMemory;

    internal Memory<float> WeightsMemory { get; }

    internal Memory<float> BiasMemory { get; }
}
