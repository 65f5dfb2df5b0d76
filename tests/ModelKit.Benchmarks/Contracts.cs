using ModelKit;

namespace ModelKit.Benchmarks;

[ModelContract("mnist")]
public partial interface IMnistBench
{
    /// <summary>The zero-allocation path: caller memory in and out.</summary>
    void Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits);

    /// <summary>The convenient path: a new array back.</summary>
    [return: Tensor("Plus214_Output_0")]
    float[] Classify([Tensor("Input3", 1, 1, 28, 28)] float[] pixels);
}

[ModelContract("add")]
public partial interface ITinyAdd
{
    void Add([Tensor("a", 1, 16)] ReadOnlyMemory<float> a, [Tensor("b", 1, 16)] ReadOnlyMemory<float> b, [Output, Tensor("y", 1, 16)] Memory<float> sum);
}

[ModelContract("mlp")]
public partial interface IWideMlp
{
    ValueTask PredictAsync([Tensor("x", 1, 784)] ReadOnlyMemory<float> pixels, [Output, Tensor("y", 1, 10)] Memory<float> scores, CancellationToken cancellationToken);
}
