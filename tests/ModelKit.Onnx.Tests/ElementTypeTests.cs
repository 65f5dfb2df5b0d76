using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests;

/// <summary>Every element type ONNX Runtime's C# API carries, through real sessions over models written by the project's writer.</summary>
public sealed class ElementTypeTests
{
    public static TheoryData<IElementCase> AllTypes => new()
    {
        new ElementCase<float>(OnnxDataType.Float, [1.5f, -2.25f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity], v => v),
        new ElementCase<double>(OnnxDataType.Double, [1.5, -2.25, double.MaxValue, double.Epsilon, 1e-300, Math.PI], v => v),
        new ElementCase<sbyte>(OnnxDataType.Int8, [sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue], v => v),
        new ElementCase<byte>(OnnxDataType.UInt8, [0, 1, 127, 128, 200, byte.MaxValue], v => v),
        new ElementCase<short>(OnnxDataType.Int16, [short.MinValue, -300, 0, 1, 1000, short.MaxValue], v => v),
        new ElementCase<ushort>(OnnxDataType.UInt16, [0, 1, 300, 32768, 50000, ushort.MaxValue], v => v),
        new ElementCase<int>(OnnxDataType.Int32, [int.MinValue, -70000, 0, 1, 123456789, int.MaxValue], v => v),
        new ElementCase<uint>(OnnxDataType.UInt32, [0, 1, 70000, 2147483648u, 3000000000u, uint.MaxValue], v => v),
        new ElementCase<long>(OnnxDataType.Int64, [long.MinValue, -(1L << 40), 0, 1, 1L << 52, long.MaxValue], v => v),
        new ElementCase<ulong>(OnnxDataType.UInt64, [0, 1, 1UL << 32, 1UL << 53, 1UL << 63, ulong.MaxValue], v => v),
        new ElementCase<bool>(OnnxDataType.Bool, [true, false, false, true, true, false], v => v ? 1 : 0),
        new ElementCase<Half>(OnnxDataType.Float16, [(Half)1.5f, (Half)(-2.25f), Half.MaxValue, Half.Epsilon, (Half)0.099975586f, Half.NegativeInfinity], v => (double)v),
        new ElementCase<BFloat16>(OnnxDataType.BFloat16, [(BFloat16)1.5f, (BFloat16)(-2.25f), (BFloat16)3.0e38f, (BFloat16)1e-30f, (BFloat16)0.1f, (BFloat16)(-65536f)], v => v.ToSingle()),
        new ElementCase<string>(OnnxDataType.String, ["", "a", "héllo wörld", "日本語", "tab\tand\nnewline", new string('x', 300)], null),
    };

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Identity_returns_every_element_exactly(IElementCase elementCase) => elementCase.Identity();

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Concat_with_a_raw_data_initializer_returns_the_initializer_exactly(IElementCase elementCase) =>
        elementCase.ConcatWithInitializer(OnnxTensorEncoding.RawData);

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Concat_with_a_typed_field_initializer_returns_the_initializer_exactly(IElementCase elementCase) =>
        elementCase.ConcatWithInitializer(OnnxTensorEncoding.TypedFields);

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void Cast_to_double_converts_every_element(IElementCase elementCase) => elementCase.CastToDouble();

    [Fact]
    public void Add_and_Mul_compute_exact_integer_and_float_results()
    {
        Arithmetic<int>(OnnxDataType.Int32, [1, -2, 3, int.MaxValue / 2], [10, 20, -30, 1], (a, b) => (a + b) * b);
        Arithmetic<long>(OnnxDataType.Int64, [1, -2, 3, 1L << 40], [10, 20, -30, 2], (a, b) => (a + b) * b);
        Arithmetic<float>(OnnxDataType.Float, [1.5f, -2f, 0.25f, 1e10f], [2f, 0.5f, -4f, 1f], (a, b) => (a + b) * b);
        Arithmetic<double>(OnnxDataType.Double, [1.5, -2, 0.25, 1e100], [2, 0.5, -4, 1], (a, b) => (a + b) * b);
    }

    [Fact]
    public void Not_negates_bools()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("x", OnnxDataType.Bool, [-1])
            .AddNode("Not", ["x"], ["y"])
            .AddOutput("y", OnnxDataType.Bool, [-1])
            .ToBytes());
        using var client = new DynamicModelClient(backend);
        bool[] input = [true, false, true, true, false];
        var output = client.Run([new NamedTensor("x", TensorValue.Create(input, 5))]);
        Assert.Equal(input.Select(static b => !b).ToArray(), output[0].Value.Buffer.AsSpan<bool>().ToArray());
    }

    [Fact]
    public void Cast_between_strings_and_integers_round_trips()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("numbers", OnnxDataType.Int64, [-1], ["n"])
            .AddInput("text", OnnxDataType.String, [-1], ["t"])
            .AddNode("Cast", ["numbers"], ["asText"], OnnxAttribute.Int("to", (long)OnnxDataType.String))
            .AddNode("Cast", ["text"], ["asNumbers"], OnnxAttribute.Int("to", (long)OnnxDataType.Int64))
            .AddOutput("asText", OnnxDataType.String, [-1], ["n"])
            .AddOutput("asNumbers", OnnxDataType.Int64, [-1], ["t"])
            .ToBytes());
        using var client = new DynamicModelClient(backend);
        long[] numbers = [0, -17, 42, long.MaxValue];
        string[] text = ["7", "-123", "9000000000"];
        var outputs = client.Run([new NamedTensor("numbers", TensorValue.Create(numbers, 4)), new NamedTensor("text", TensorValue.Create(text, 3))]);
        Assert.Equal(["0", "-17", "42", "9223372036854775807"], outputs[0].Value.Buffer.AsSpan<string>().ToArray());
        Assert.Equal([4L], outputs[0].Value.Shape);
        Assert.Equal([7L, -123L, 9000000000L], outputs[1].Value.Buffer.AsSpan<long>().ToArray());
    }

    private static void Arithmetic<T>(OnnxDataType type, T[] a, T[] b, Func<T, T, T> expected)
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("a", type, [-1])
            .AddInput("b", type, [-1])
            .AddNode("Add", ["a", "b"], ["sum"])
            .AddNode("Mul", ["sum", "b"], ["y"])
            .AddOutput("y", type, [-1])
            .ToBytes());
        using var client = new DynamicModelClient(backend);
        var output = client.Run([new NamedTensor("a", TensorValue.Create(a, a.Length)), new NamedTensor("b", TensorValue.Create(b, b.Length))]);
        Assert.Equal(a.Zip(b, expected).ToArray(), output[0].Value.Buffer.AsSpan<T>().ToArray());
    }
}

/// <summary>One element type's checks (an interface so xunit can show one theory row per type).</summary>
public interface IElementCase
{
    void Identity();

    void ConcatWithInitializer(OnnxTensorEncoding encoding);

    void CastToDouble();
}

/// <summary>The checks for element type <typeparamref name="T"/> with six sample values.</summary>
internal sealed class ElementCase<T>(OnnxDataType type, T[] values, Func<T, double>? toDouble) : IElementCase
{
    public void Identity()
    {
        using var backend = TestModels.Load(TestModels.Identity(type));
        Assert.Equal((TensorElementType)(int)type, backend.Signature.Inputs[0].ElementType);
        using var client = new DynamicModelClient(backend);
        var output = client.Run([new NamedTensor("x", TensorValue.Create(values, 2, 3))]);
        Assert.Equal([2L, 3L], output[0].Value.Shape);
        Assert.Equal((TensorElementType)(int)type, output[0].Value.ElementType);
        Assert.Equal(values, output[0].Value.Buffer.AsSpan<T>().ToArray());
    }

    public void ConcatWithInitializer(OnnxTensorEncoding encoding)
    {
        var builder = new OnnxGraphBuilder("concat") { InitializerEncoding = encoding }
            .AddInput("x", type, [-1]);
        builder.AddInitializer(Tensor("c", values, 6));
        var model = builder
            .AddNode("Concat", ["x", "c"], ["y"], OnnxAttribute.Int("axis", 0))
            .AddOutput("y", type, [-1], ["total"])
            .ToBytes();
        using var backend = TestModels.Load(model);
        using var client = new DynamicModelClient(backend);
        T[] head = values[..2];
        var output = client.Run([new NamedTensor("x", TensorValue.Create(head, 2))]);
        Assert.Equal([8L], output[0].Value.Shape);
        Assert.Equal(head.Concat(values).ToArray(), output[0].Value.Buffer.AsSpan<T>().ToArray());
    }

    public void CastToDouble()
    {
        if (toDouble is null)
        {
            // Strings: covered by the string <-> int64 Cast test (a float's text form is ONNX Runtime's choice).
            return;
        }

        var model = new OnnxGraphBuilder("cast")
            .AddInput("x", type, [2, 3])
            .AddNode("Cast", ["x"], ["y"], OnnxAttribute.Int("to", (long)OnnxDataType.Double))
            .AddOutput("y", OnnxDataType.Double, [2, 3])
            .ToBytes();
        using var backend = TestModels.Load(model);
        using var client = new DynamicModelClient(backend);
        var output = client.Run([new NamedTensor("x", TensorValue.Create(values, 2, 3))]);
        double[] expected = values.Select(toDouble).ToArray();
        Assert.Equal(expected, output[0].Value.Buffer.AsSpan<double>().ToArray());
    }

    public override string ToString() => OnnxDataTypes.Name(type);

    /// <summary>
    /// An initializer holding <paramref name="data"/>, built with the writer's public factories. Dispatches on typeof(T):
    /// the CLR lets a byte[] pass for an sbyte[] (and uint for int…), so array type patterns would pick the wrong overload.
    /// </summary>
    private static OnnxTensor Tensor(string name, T[] data, long length)
    {
        object array = data;
        return typeof(T) switch
        {
            var t when t == typeof(string) => OnnxTensor.Create(name, (string[])array, length),
            var t when t == typeof(bool) => OnnxTensor.Create(name, (bool[])array, length),
            var t when t == typeof(Half) => OnnxTensor.Create(name, (Half[])array, length),
            var t when t == typeof(BFloat16) => OnnxTensor.Create(name, OnnxDataType.BFloat16, (BFloat16[])array, length),
            var t when t == typeof(float) => OnnxTensor.Create(name, (float[])array, length),
            var t when t == typeof(double) => OnnxTensor.Create(name, (double[])array, length),
            var t when t == typeof(sbyte) => OnnxTensor.Create(name, (sbyte[])array, length),
            var t when t == typeof(byte) => OnnxTensor.Create(name, (byte[])array, length),
            var t when t == typeof(short) => OnnxTensor.Create(name, (short[])array, length),
            var t when t == typeof(ushort) => OnnxTensor.Create(name, (ushort[])array, length),
            var t when t == typeof(int) => OnnxTensor.Create(name, (int[])array, length),
            var t when t == typeof(uint) => OnnxTensor.Create(name, (uint[])array, length),
            var t when t == typeof(long) => OnnxTensor.Create(name, (long[])array, length),
            var t when t == typeof(ulong) => OnnxTensor.Create(name, (ulong[])array, length),
            _ => throw new NotSupportedException(typeof(T).Name),
        };
    }
}
