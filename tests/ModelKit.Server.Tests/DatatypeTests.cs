using ModelKit.OnnxFormat;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server.Tests;

/// <summary>Shares one server with an Identity model per datatype (a repository folder of 14 models).</summary>
public sealed class DatatypeServerFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = TestModels.NewRepository();

    internal TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        foreach (var type in DatatypeTests.Types)
        {
            _repository.Add("identity_" + type.ToString().ToLowerInvariant(), 1, TestModels.Identity(type));
        }

        Host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}

/// <summary>Every datatype through REST JSON, REST binary and gRPC, against real ONNX Runtime sessions.</summary>
public sealed class DatatypeTests(DatatypeServerFixture fixture) : IClassFixture<DatatypeServerFixture>
{
    internal static readonly OnnxDataType[] Types =
    [
        OnnxDataType.Bool, OnnxDataType.UInt8, OnnxDataType.UInt16, OnnxDataType.UInt32, OnnxDataType.UInt64,
        OnnxDataType.Int8, OnnxDataType.Int16, OnnxDataType.Int32, OnnxDataType.Int64,
        OnnxDataType.Float16, OnnxDataType.BFloat16, OnnxDataType.Float, OnnxDataType.Double, OnnxDataType.String,
    ];

    public static TheoryData<OnnxDataType, string> Cases()
    {
        var data = new TheoryData<OnnxDataType, string>();
        foreach (var type in Types)
        {
            foreach (var protocol in new[] { "rest-json", "rest-binary", "grpc" })
            {
                data.Add(type, protocol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_datatype_round_trips_exactly(OnnxDataType type, string protocol)
    {
        var elementType = (TensorElementType)(int)type;
        var input = Sample(elementType);
        string model = "identity_" + type.ToString().ToLowerInvariant();
        bool requiresBinary = InferenceDataTypes.RequiresBinary(elementType);
        var request = new InferenceRequest { Id = $"{model}-{protocol}" };
        request.Inputs.Add(new InferTensor("x", input) { Binary = protocol == "rest-binary" });
        if (protocol == "rest-binary")
        {
            request.BinaryDataOutput = true;
        }

        InferenceResponse response;
        if (protocol == "grpc")
        {
            request.ModelName = model;
            var reply = await fixture.Host.Grpc.ModelInferAsync(GrpcInferenceCodec.EncodeRequest(request));
            Assert.Equal(model, reply.ModelName);
            Assert.Single(reply.RawOutputContents);
            response = GrpcInferenceCodec.DecodeResponse(reply);
        }
        else
        {
            var answer = await Wire.InferAsync(fixture.Host.Http, model, request);
            Assert.True(answer.Status == System.Net.HttpStatusCode.OK, answer.Text);
            response = answer.Response!;
            // FP16/BF16 travel binary even when the request was JSON; everything else answers the way it was asked.
            Assert.Equal(protocol == "rest-binary" || requiresBinary, response.Outputs[0].Binary);
        }

        Assert.Equal(request.Id, response.Id);
        Assert.Equal("1", response.ModelVersion);
        var output = Assert.Single(response.Outputs);
        Assert.Equal("y", output.Name);
        Assert.Equal(InferenceDataTypes.FromElementType(elementType), output.Datatype);
        Assert.Equal(input.Shape, output.Shape);
        AssertSameElements(input, output.Value);
    }

    internal static TensorValue Sample(TensorElementType type) => type switch
    {
        TensorElementType.Bool => TensorValue.Create(new[] { true, false, true, false, false, true }, 2, 3),
        TensorElementType.UInt8 => TensorValue.Create(new byte[] { 0, 1, 127, 128, 200, 255 }, 2, 3),
        TensorElementType.UInt16 => TensorValue.Create(new ushort[] { 0, 1, 300, 32768, 50000, ushort.MaxValue }, 2, 3),
        TensorElementType.UInt32 => TensorValue.Create(new uint[] { 0, 1, 70000, 2147483648u, 3000000000u, uint.MaxValue }, 2, 3),
        TensorElementType.UInt64 => TensorValue.Create(new ulong[] { 0, 1, 1UL << 32, 1UL << 53, 1UL << 63, ulong.MaxValue }, 2, 3),
        TensorElementType.Int8 => TensorValue.Create(new sbyte[] { sbyte.MinValue, -1, 0, 1, 42, sbyte.MaxValue }, 2, 3),
        TensorElementType.Int16 => TensorValue.Create(new short[] { short.MinValue, -300, 0, 1, 1000, short.MaxValue }, 2, 3),
        TensorElementType.Int32 => TensorValue.Create(new[] { int.MinValue, -70000, 0, 1, 123456789, int.MaxValue }, 2, 3),
        TensorElementType.Int64 => TensorValue.Create(new[] { long.MinValue, -(1L << 40), 0, 1, 1L << 52, long.MaxValue }, 2, 3),
        TensorElementType.Float16 => TensorValue.Create(new[] { (Half)1.5f, (Half)(-2.25f), Half.MaxValue, Half.Epsilon, (Half)0.1f, Half.NegativeInfinity }, 2, 3),
        TensorElementType.BFloat16 => TensorValue.Create(new[] { (BFloat16)1.5f, (BFloat16)(-2.25f), (BFloat16)3.0e38f, (BFloat16)1e-30f, (BFloat16)0.1f, (BFloat16)(-65536f) }, 2, 3),
        TensorElementType.Float => TensorValue.Create(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity }, 2, 3),
        TensorElementType.Double => TensorValue.Create(new[] { 1.5, -2.25, double.MaxValue, double.Epsilon, Math.PI, double.PositiveInfinity }, 2, 3),
        TensorElementType.String => TensorValue.Create(new[] { string.Empty, "a", "héllo wörld", "日本語", "tab\tand\nnewline \"quoted\"", new string('x', 300) }, 2, 3),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal static void AssertSameElements(TensorValue expected, TensorValue actual)
    {
        Assert.Equal(expected.ElementType, actual.ElementType);
        Assert.Equal(expected.Buffer.Length, actual.Buffer.Length);
        if (expected.ElementType == TensorElementType.String)
        {
            Assert.Equal(expected.Buffer.AsSpan<string>().ToArray(), actual.Buffer.AsSpan<string>().ToArray());
        }
        else
        {
            // Bit-exact, NaN included.
            Assert.Equal(expected.Buffer.AsBytes().ToArray(), actual.Buffer.AsBytes().ToArray());
        }
    }
}
