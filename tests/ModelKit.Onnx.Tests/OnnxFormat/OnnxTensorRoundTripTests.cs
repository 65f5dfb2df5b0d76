using ModelKit.OnnxFormat;
using ModelKit.OnnxFormat.Internal;

namespace ModelKit.Onnx.Tests.Format;

/// <summary>TensorProto writing and reading: every element type, both encodings, ONNX's packing rules.</summary>
public sealed class OnnxTensorRoundTripTests
{
    public static TheoryData<OnnxTensor> Tensors => new()
    {
        OnnxTensor.Create("f32", [1.5f, -0f, float.NaN, float.MaxValue, float.Epsilon, -3f], 2, 3),
        OnnxTensor.Create("f64", [Math.PI, -1e-300, double.MinValue], 3),
        OnnxTensor.Create("i8", new sbyte[] { -128, -1, 0, 127 }, 2, 2),
        OnnxTensor.Create("u8", new byte[] { 0, 1, 128, 255 }, 4),
        OnnxTensor.Create("i16", new short[] { short.MinValue, -1, short.MaxValue }, 3),
        OnnxTensor.Create("u16", new ushort[] { 0, 40000, ushort.MaxValue }, 3),
        OnnxTensor.Create("i32", [int.MinValue, -1, 0, int.MaxValue], 4),
        OnnxTensor.Create("u32", [0u, 1u, uint.MaxValue], 3),
        OnnxTensor.Create("i64", [long.MinValue, -1L, long.MaxValue], 3),
        OnnxTensor.Create("u64", [0UL, 1UL << 63, ulong.MaxValue], 3),
        OnnxTensor.Create("bool", [true, false, true], 3),
        OnnxTensor.Create("f16", [(Half)1.5f, Half.NegativeInfinity, Half.MinValue], 3),
        OnnxTensor.Create("bf16", OnnxDataType.BFloat16, [(BFloat16)1.5f, (BFloat16)(-1e20f), BFloat16.FromBits(0xFFFF)], 3),
        OnnxTensor.Create("text", ["", "ascii", "ünïcödé", "\u0000nul"], 2, 2),
        OnnxTensor.Create("scalar", [42L]),
        OnnxTensor.Create("empty", Array.Empty<float>(), 0, 5),
    };

    [Theory]
    [MemberData(nameof(Tensors))]
    public void RawData_round_trips(OnnxTensor tensor) => AssertSame(tensor, OnnxTensorProtoReader.Read(tensor.ToBytes(OnnxTensorEncoding.RawData)));

    [Theory]
    [MemberData(nameof(Tensors))]
    public void Typed_fields_round_trip(OnnxTensor tensor) => AssertSame(tensor, OnnxTensorProtoReader.Read(tensor.ToBytes(OnnxTensorEncoding.TypedFields)));

    [Fact]
    public void Int32_data_carries_small_types_and_half_bits_as_int32_values()
    {
        // Written by hand as ONNX's Python helper does: int8 values sign-extended, float16 bits as uint16 values.
        var int8 = new ProtoWriter();
        int8.WritePackedVarints(1, [3L]);
        int8.WriteInt64(2, (long)OnnxDataType.Int8);
        int8.WritePackedVarints(5, [-5L, 0L, 100L]);
        Assert.Equal(new sbyte[] { -5, 0, 100 }, OnnxTensorProtoReader.Read(int8.ToArray()).GetData<sbyte>());

        var half = new ProtoWriter();
        half.WritePackedVarints(1, [2L]);
        half.WriteInt64(2, (long)OnnxDataType.Float16);
        half.WritePackedVarints(5, [BitConverter.HalfToUInt16Bits((Half)2.5f), BitConverter.HalfToUInt16Bits((Half)(-0.5f))]);
        Assert.Equal([(Half)2.5f, (Half)(-0.5f)], OnnxTensorProtoReader.Read(half.ToArray()).GetData<Half>());
    }

    [Fact]
    public void Unpacked_repeated_fields_are_read_like_packed_ones()
    {
        var writer = new ProtoWriter();
        writer.WriteInt64(1, 2); // dims, unpacked
        writer.WriteInt64(1, 2);
        writer.WriteInt64(2, (long)OnnxDataType.Float);
        foreach (float value in new[] { 1f, 2f, 3f, 4f })
        {
            writer.WriteFloat(4, value); // float_data, unpacked fixed32
        }

        writer.WriteString(8, "unpacked");
        var tensor = OnnxTensorProtoReader.Read(writer.ToArray());
        Assert.Equal("unpacked", tensor.Name);
        Assert.Equal([2L, 2L], tensor.Dims);
        Assert.Equal([1f, 2f, 3f, 4f], tensor.GetData<float>());

        var int64 = new ProtoWriter();
        int64.WriteInt64(1, 3);
        int64.WriteInt64(2, (long)OnnxDataType.Int64);
        int64.WriteInt64(7, -1);
        int64.WriteInt64(7, long.MaxValue);
        int64.WriteInt64(7, 7);
        Assert.Equal([-1L, long.MaxValue, 7L], OnnxTensorProtoReader.Read(int64.ToArray()).GetData<long>());
    }

    [Fact]
    public void Malformed_bytes_throw_OnnxFormatException()
    {
        var valid = OnnxTensor.Create("x", [1f, 2f, 3f], 3).ToBytes();
        Assert.Throws<OnnxFormatException>(() => OnnxTensorProtoReader.Read(valid[..^3]));
        Assert.Throws<OnnxFormatException>(() => OnnxTensorProtoReader.Read([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));

        // dims say 4 elements but raw_data holds 3
        var wrongCount = new ProtoWriter();
        wrongCount.WritePackedVarints(1, [4L]);
        wrongCount.WriteInt64(2, (long)OnnxDataType.Float);
        wrongCount.WriteBytes(9, new byte[12]);
        Assert.Throws<OnnxFormatException>(() => OnnxTensorProtoReader.Read(wrongCount.ToArray()));
    }

    [Fact]
    public void Shape_and_element_count_must_agree_when_creating_a_tensor()
    {
        Assert.Throws<ArgumentException>(() => OnnxTensor.Create("x", [1f, 2f, 3f], 2, 2));
        Assert.Throws<ArgumentException>(() => OnnxTensor.Create("x", [1f], -1));
        Assert.Throws<InvalidOperationException>(() => OnnxTensor.Create("x", [1f], 1).GetData<double>());
    }

    private static void AssertSame(OnnxTensor expected, OnnxTensor actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Dims, actual.Dims);
        Assert.Equal(expected.ElementCount, actual.ElementCount);
        if (expected.DataType == OnnxDataType.String)
        {
            Assert.Equal(expected.Strings, actual.Strings);
            Assert.Null(actual.Data);
        }
        else
        {
            Assert.Equal(expected.Data, actual.Data);
            Assert.Null(actual.Strings);
        }
    }
}
