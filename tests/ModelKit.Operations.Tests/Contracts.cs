namespace ModelKit.Operations.Tests;

/// <summary>y = 2·x over FP32[N, 4]: the app-side contract of the traced calls (local, batched or remote by configuration).</summary>
[ModelContract("doubler")]
public partial interface IDoubler
{
    [return: Tensor("y")]
    ValueTask<float[]> DoubleAsync([Tensor("x", 1, 4)] float[] x, CancellationToken cancellationToken = default);

    [return: Tensor("y")]
    float[] Double([Tensor("x", 1, 4)] float[] x);
}
