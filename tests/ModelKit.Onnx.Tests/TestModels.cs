using ModelKit.Onnx;
using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests;

/// <summary>Models written with ModelKit.OnnxFormat's writer for the tests, and loaders for them.</summary>
internal static class TestModels
{
    /// <summary>Loads model bytes into an ONNX Runtime backend (one intra-op thread: the test machine is small and tests run side by side).</summary>
    public static OnnxModelBackend Load(byte[] model, string name = "test", ModelOptions? options = null) =>
        OnnxModelBackend.Load(name, model, options ?? new ModelOptions { IntraOpThreads = 1 });

    /// <summary><c>y = x + k</c> on float[1,4] (a version or a step is visible in every result).</summary>
    public static byte[] AddConstant(float k) => new OnnxGraphBuilder("add_constant")
        .AddInput("x", OnnxDataType.Float, [1, 4])
        .AddInitializer("k", [k], [])
        .AddNode("Add", ["x", "k"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [1, 4])
        .ToBytes();

    /// <summary><c>y = Identity(x)</c> for one element type, with a symbolic batch dimension: x, y: T[N,3].</summary>
    public static byte[] Identity(OnnxDataType type, long[]? shape = null) => new OnnxGraphBuilder("identity")
        .AddInput("x", type, shape ?? [-1, 3])
        .AddNode("Identity", ["x"], ["y"])
        .AddOutput("y", type, shape ?? [-1, 3])
        .ToBytes();

    /// <summary>A stateful step: <c>stateN = state + x</c>, <c>count = ReduceSum(stateN)</c> (two inputs, two outputs).</summary>
    public static byte[] StatefulAccumulator() => new OnnxGraphBuilder("accumulator")
        .AddInput("state", OnnxDataType.Float, [1, 4])
        .AddInput("x", OnnxDataType.Float, [1, 4])
        .AddNode("Add", ["state", "x"], ["stateN"])
        .AddNode("ReduceSum", ["stateN"], ["total"], OnnxAttribute.Int("keepdims", 0))
        .AddOutput("stateN", OnnxDataType.Float, [1, 4])
        .AddOutput("total", OnnxDataType.Float, [])
        .ToBytes();

    /// <summary>A small dynamic-batch "classifier": <c>y = x · W + b</c>, x: float[N,4], y: float[N,3].</summary>
    public static byte[] Linear(bool dynamicBatch = true)
    {
        var weights = new float[12];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (i % 5) - 2;
        }

        long batch = dynamicBatch ? -1 : 1;
        return new OnnxGraphBuilder("linear")
            .AddInput("x", OnnxDataType.Float, [batch, 4])
            .AddInitializer("W", weights, 4, 3)
            .AddInitializer("b", [0.5f, -1f, 2f], 3)
            .AddNode("MatMul", ["x", "W"], ["xw"])
            .AddNode("Add", ["xw", "b"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [batch, 3])
            .ToBytes();
    }

    /// <summary>The reference result of <see cref="Linear"/> for one row.</summary>
    public static float[] LinearReference(ReadOnlySpan<float> row)
    {
        var result = new float[] { 0.5f, -1f, 2f };
        for (int j = 0; j < 3; j++)
        {
            for (int k = 0; k < 4; k++)
            {
                result[j] += row[k] * ((((k * 3) + j) % 5) - 2);
            }
        }

        return result;
    }
}
