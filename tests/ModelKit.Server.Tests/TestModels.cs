using ModelKit.OnnxFormat;

namespace ModelKit.Server.Tests;

/// <summary>Models written with ModelKit.OnnxFormat, and repository folders holding them.</summary>
internal static class TestModels
{
    /// <summary><c>y = Identity(x)</c>, x and y: T[N,3].</summary>
    public static byte[] Identity(OnnxDataType type) => new OnnxGraphBuilder("identity")
        .AddInput("x", type, [-1, 3])
        .AddNode("Identity", ["x"], ["y"])
        .AddOutput("y", type, [-1, 3])
        .ToBytes();

    /// <summary>
    /// The model of the protocol documents' examples: input0 UINT32[2,2], input1 BOOL[3] → output0 FP32[3,2] =
    /// reshape(concat(float(input0) flattened, float(input1))[0:6]).
    /// </summary>
    public static byte[] SpecExample() => new OnnxGraphBuilder("mymodel")
        .AddInput("input0", OnnxDataType.UInt32, [2, 2])
        .AddInput("input1", OnnxDataType.Bool, [3])
        .AddInitializer("flat", new long[] { 4 }, 1)
        .AddInitializer("starts", new long[] { 0 }, 1)
        .AddInitializer("ends", new long[] { 6 }, 1)
        .AddInitializer("shape32", new long[] { 3, 2 }, 2)
        .AddNode("Cast", ["input0"], ["a"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Reshape", ["a", "flat"], ["a_flat"])
        .AddNode("Cast", ["input1"], ["b"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Concat", ["a_flat", "b"], ["c"], OnnxAttribute.Int("axis", 0))
        .AddNode("Slice", ["c", "starts", "ends"], ["s"])
        .AddNode("Reshape", ["s", "shape32"], ["output0"])
        .AddOutput("output0", OnnxDataType.Float, [3, 2])
        .ToBytes();

    /// <summary>Two outputs from one input: <c>double = x + x</c>, <c>negated = -x</c>; x: FP32[N,4].</summary>
    public static byte[] TwoOutputs() => new OnnxGraphBuilder("two")
        .AddInput("x", OnnxDataType.Float, [-1, 4])
        .AddNode("Add", ["x", "x"], ["double"])
        .AddNode("Neg", ["x"], ["negated"])
        .AddOutput("double", OnnxDataType.Float, [-1, 4])
        .AddOutput("negated", OnnxDataType.Float, [-1, 4])
        .ToBytes();

    /// <summary><c>y = x * k</c> with a constant k, so versions of "the same" model are told apart by their answers. x: FP32[N,2].</summary>
    public static byte[] Scale(float k) => new OnnxGraphBuilder("scale")
        .AddInput("x", OnnxDataType.Float, [-1, 2])
        .AddInitializer("k", new[] { k }, 1)
        .AddNode("Mul", ["x", "k"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [-1, 2])
        .ToBytes();

    /// <summary>A fresh temporary repository folder, deleted on dispose.</summary>
    public static TempRepository NewRepository() => new();
}
