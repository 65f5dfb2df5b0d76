using ModelKit.OnnxFormat;

namespace ModelKit.Remote.Tests;

/// <summary>Models written with ModelKit.OnnxFormat.</summary>
internal static class TestModels
{
    internal static readonly OnnxDataType[] AllTypes =
    [
        OnnxDataType.Bool, OnnxDataType.UInt8, OnnxDataType.UInt16, OnnxDataType.UInt32, OnnxDataType.UInt64,
        OnnxDataType.Int8, OnnxDataType.Int16, OnnxDataType.Int32, OnnxDataType.Int64,
        OnnxDataType.Float16, OnnxDataType.BFloat16, OnnxDataType.Float, OnnxDataType.Double, OnnxDataType.String,
    ];

    /// <summary><c>y = Identity(x)</c>, x and y: T[N,3].</summary>
    public static byte[] Identity(OnnxDataType type) => new OnnxGraphBuilder("identity")
        .AddInput("x", type, [-1, 3])
        .AddNode("Identity", ["x"], ["y"])
        .AddOutput("y", type, [-1, 3])
        .ToBytes();

    /// <summary><c>y = NonZero(x)</c>: x FP32[N], y INT64[1, count of non-zeros].</summary>
    public static byte[] NonZero() => new OnnxGraphBuilder("nonzero")
        .AddInput("x", OnnxDataType.Float, [-1])
        .AddNode("NonZero", ["x"], ["y"])
        .AddOutput("y", OnnxDataType.Int64, [1, -1])
        .ToBytes();

    /// <summary>
    /// <c>y = Reshape(x, [2, 3])</c> with x FP32[N]: its metadata accepts any N, ONNX Runtime only N = 6, so a well-formed
    /// request the client cannot reject locally gets the server's 400.
    /// </summary>
    public static byte[] Reshape23() => new OnnxGraphBuilder("reshape")
        .AddInput("x", OnnxDataType.Float, [-1])
        .AddInitializer("shape", new long[] { 2, 3 }, 2)
        .AddNode("Reshape", ["x", "shape"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [2, 3])
        .ToBytes();

    /// <summary>
    /// 640 chained <c>MatMul</c>s of x FP32[256,1024] by a 1024×1024 identity matrix (≈ 340 GFLOP, about 4 s here): seconds on one thread, and ONNX Runtime
    /// checks for termination between nodes, so a cancel stops it early.
    /// </summary>
    public const int SlowNodes = 640;

    public static byte[] Slow()
    {
        var weights = new float[1024 * 1024];
        for (int i = 0; i < 1024; i++)
        {
            weights[(i * 1024) + i] = 1f; // identity: values stay finite and equal to x
        }

        var builder = new OnnxGraphBuilder("slow")
            .AddInput("x", OnnxDataType.Float, [256, 1024])
            .AddInitializer("w", weights, 1024, 1024);
        string previous = "x";
        for (int n = 0; n < SlowNodes; n++)
        {
            string next = n == SlowNodes - 1 ? "y" : $"h{n}";
            builder.AddNode("MatMul", [previous, "w"], [next]);
            previous = next;
        }

        return builder.AddOutput("y", OnnxDataType.Float, [256, 1024]).ToBytes();
    }

    /// <summary>Deterministic 28×28 "images": strokes plus noise, different for each seed.</summary>
    public static DigitImage Image(int seed)
    {
        var random = new Random(seed);
        var image = new DigitImage();
        for (int stroke = 0; stroke < 3; stroke++)
        {
            int row = random.Next(4, 24);
            int column = random.Next(4, 24);
            for (int k = 0; k < 12; k++)
            {
                int r = Math.Clamp(row + (stroke == 0 ? k - 6 : 0), 0, 27);
                int c = Math.Clamp(column + (stroke == 1 ? k - 6 : stroke == 2 ? (k / 2) - 3 : 0), 0, 27);
                image.Pixels[(r * 28) + c] = 255f;
            }
        }

        for (int i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] += (float)(random.NextDouble() * 20);
        }

        return image;
    }

    /// <summary>A sample tensor [2,3] of each type, with the edge values of its range.</summary>
    public static TensorValue Sample(TensorElementType type) => type switch
    {
        TensorElementType.Bool => TensorValue.Create(new[] { true, false, true, false, false, true }, 2, 3),
        TensorElementType.UInt8 => TensorValue.Create(new byte[] { 0, 1, 127, 128, 200, 255 }, 2, 3),
        TensorElementType.UInt16 => TensorValue.Create(new ushort[] { 0, 1, 300, 32768, 50000, ushort.MaxValue }, 2, 3),
        TensorElementType.UInt32 => TensorValue.Create(new uint[] { 0, 1, 70000, 2147483648u, 3000000000u, uint.MaxValue }, 2, 3),
        TensorElementType.UInt64 => TensorValue.Create(new ulong[] { 0, 1, 1UL << 32, 1UL << 53, 1UL << 63, ulong.MaxValue }, 2, 3),
        TensorElementType.Int8 => TensorValue.Create(new sbyte[] { sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue }, 2, 3),
        TensorElementType.Int16 => TensorValue.Create(new short[] { short.MinValue, -300, 0, 1, 1000, short.MaxValue }, 2, 3),
        TensorElementType.Int32 => TensorValue.Create(new[] { int.MinValue, -70000, 0, 1, 123456789, int.MaxValue }, 2, 3),
        TensorElementType.Int64 => TensorValue.Create(new[] { long.MinValue, -(1L << 40), 0, 1, (1L << 53) + 1, long.MaxValue }, 2, 3),
        TensorElementType.Float16 => TensorValue.Create(new[] { (Half)1.5f, (Half)(-2.25f), Half.MaxValue, Half.Epsilon, (Half)0.1f, Half.NegativeInfinity }, 2, 3),
        TensorElementType.BFloat16 => TensorValue.Create(new[] { (BFloat16)1.5f, (BFloat16)(-2.25f), (BFloat16)3.0e38f, (BFloat16)1e-30f, (BFloat16)0.1f, (BFloat16)(-65536f) }, 2, 3),
        TensorElementType.Float => TensorValue.Create(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity }, 2, 3),
        TensorElementType.Double => TensorValue.Create(new[] { 1.5, -2.25, double.MaxValue, double.Epsilon, Math.PI, double.PositiveInfinity }, 2, 3),
        TensorElementType.String => TensorValue.Create(new[] { string.Empty, "a", "héllo wörld", "日本語", "tab\tand\nnewline \"quoted\"", new string('x', 300) }, 2, 3),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Asserts two tensors are the same: type, shape and bits (NaN included).</summary>
    public static void AssertSame(TensorValue expected, TensorValue actual, string what)
    {
        Assert.True(expected.ElementType == actual.ElementType, $"{what}: element type {actual.ElementType}, expected {expected.ElementType}");
        Assert.True(expected.Shape.AsSpan().SequenceEqual(actual.Shape), $"{what}: shape {actual.ShapeText}, expected {expected.ShapeText}");
        if (expected.ElementType == TensorElementType.String)
        {
            Assert.Equal(expected.Buffer.AsSpan<string>().ToArray(), actual.Buffer.AsSpan<string>().ToArray());
        }
        else
        {
            Assert.True(expected.Buffer.AsBytes().SequenceEqual(actual.Buffer.AsBytes()), $"{what}: elements differ");
        }
    }
}
