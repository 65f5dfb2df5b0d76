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

    /// <summary>The same call bound once to the caller's buffers (a prepared call the caller keeps).</summary>
    PreparedCall PrepareAdd([Tensor("a", 1, 16)] ReadOnlyMemory<float> a, [Tensor("b", 1, 16)] ReadOnlyMemory<float> b, [Output, Tensor("y", 1, 16)] Memory<float> sum);
}

[ModelContract("mlp")]
public partial interface IWideMlp
{
    ValueTask PredictAsync([Tensor("x", 1, 784)] ReadOnlyMemory<float> pixels, [Output, Tensor("y", 1, 10)] Memory<float> scores, CancellationToken cancellationToken);
}

/// <summary>The README's contract: a request object in, a result object back (what an app written from the README calls).</summary>
[ModelContract("mnist")]
public partial interface IDigitBench
{
    DigitScoresBench Predict(DigitImageBench image);
}

public sealed class DigitImageBench
{
    // As the README writes it: no placeholder array, so `new DigitImageBench { Pixels = pixels }` allocates only the object.
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = [];
}

public sealed class DigitScoresBench
{
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}

/// <summary>A sentence encoder with ModelKit.Text's steps named in the contract (TextContractBenchmarks).</summary>
[ModelContract("minilm")]
public partial interface ISentenceEncoderBench
{
    [Preprocess<ModelKit.Text.Processing.BertTokenization>, Postprocess<ModelKit.Text.Processing.SentencePooling>]
    ReadOnlyMemory<float> Embed(string text);

    [Preprocess<ModelKit.Text.Processing.BertTokenization>, Postprocess<ModelKit.Text.Processing.SentencePooling>]
    ValueTask<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken = default);
}
