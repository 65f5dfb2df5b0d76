using System.Numerics.Tensors;

namespace ModelKit.Samples.Mnist;

/// <summary>Adam (Kingma &amp; Ba) over one flat parameter vector, in vector operations.</summary>
internal sealed class AdamOptimizer
{
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float[] _scratch;
    private readonly float _learningRate;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private int _step;

    public AdamOptimizer(int parameterCount, MlpTrainingOptions options)
    {
        _m = new float[parameterCount];
        _v = new float[parameterCount];
        _scratch = new float[parameterCount];
        _learningRate = options.LearningRate;
        _beta1 = options.Beta1;
        _beta2 = options.Beta2;
        _epsilon = options.Epsilon;
    }

    /// <summary>One update: <c>m ← β₁m + (1−β₁)g</c>, <c>v ← β₂v + (1−β₂)g²</c>, <c>θ ← θ − α·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)</c>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        _step++;
        TensorPrimitives.Multiply(_m, _beta1, _m);
        TensorPrimitives.MultiplyAdd(gradients, 1f - _beta1, _m, _m);

        TensorPrimitives.Multiply(gradients, gradients, _scratch);
        TensorPrimitives.Multiply(_v, _beta2, _v);
        TensorPrimitives.MultiplyAdd(_scratch, 1f - _beta2, _v, _v);

        double correction = Math.Sqrt(1 - Math.Pow(_beta2, _step)) / (1 - Math.Pow(_beta1, _step));
        float stepSize = (float)(_learningRate * correction);
        TensorPrimitives.Sqrt(_v, _scratch);
        TensorPrimitives.Add(_scratch, _epsilon, _scratch);
        TensorPrimitives.Divide(_m, _scratch, _scratch);
        TensorPrimitives.MultiplyAdd(_scratch, -stepSize, parameters, parameters);
    }
}
