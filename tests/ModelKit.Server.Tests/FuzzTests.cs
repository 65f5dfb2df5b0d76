using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Protocol.Rest;

namespace ModelKit.Server.Tests;

/// <summary>Malformed bodies, made by mutating valid ones at random (fixed seeds), never get a 500 or an Internal status.</summary>
public sealed class FuzzTests(BadRequestFixture fixture) : IClassFixture<BadRequestFixture>
{
    private static readonly HttpStatusCode[] Allowed = [HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.RequestEntityTooLarge];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Mutated_rest_bodies_never_get_a_server_error(int seed)
    {
        var random = new Random(seed);
        var seeds = Seeds();
        for (int i = 0; i < 150; i++)
        {
            var (model, body, headerLength) = seeds[random.Next(seeds.Count)];
            var mutated = Mutate(random, body);
            long? length = headerLength;
            if (length is not null && random.Next(4) == 0)
            {
                length += random.Next(-20, 20);
            }

            var content = new ByteArrayContent(mutated);
            content.Headers.ContentType = new("application/octet-stream");
            if (length is not null)
            {
                content.Headers.TryAddWithoutValidation(ProtocolNames.InferenceHeaderContentLength, length.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var response = await fixture.Host.Http.PostAsync($"/v2/models/{model}/infer", content);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(Allowed.Contains(response.StatusCode), $"seed {seed} case {i}: {(int)response.StatusCode} {text}\nbody: {Encoding.UTF8.GetString(mutated)}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.StartsWith("{\"error\":", text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Mutated_grpc_messages_never_get_an_internal_error()
    {
        var random = new Random(7);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "inference.GRPCInferenceService", "ModelInfer",
            Marshallers.Create(static b => b, static b => b), Marshallers.Create(static b => b, static b => b));
        using var channel = GrpcChannel.ForAddress(fixture.Host.GrpcAddress);
        var invoker = channel.CreateCallInvoker();
        var request = new InferenceRequest { ModelName = "mymodel", Id = "fuzz" };
        request.Inputs.Add(new InferTensor("input0", TensorValue.Create(new uint[] { 1, 2, 3, 4 }, 2, 2)));
        request.Inputs.Add(new InferTensor("input1", TensorValue.Create(new[] { true, false, true }, 3)));
        byte[] valid = Google.Protobuf.MessageExtensions.ToByteArray(GrpcInferenceCodec.EncodeRequest(request));
        int ok = 0;
        for (int i = 0; i < 200; i++)
        {
            var mutated = i == 0 ? valid : Mutate(random, valid);
            try
            {
                await invoker.AsyncUnaryCall(method, null, default, mutated);
                ok++;
            }
            catch (RpcException ex)
            {
                Assert.True(ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.Unavailable,
                    $"case {i}: {ex.StatusCode} {ex.Status.Detail}");
            }
        }

        Assert.True(ok >= 1);
    }

    private static List<(string Model, byte[] Body, long? HeaderLength)> Seeds()
    {
        var seeds = new List<(string, byte[], long?)>
        {
            ("two", Encoding.UTF8.GetBytes("""{"id":"1","inputs":[{"name":"x","shape":[2,4],"datatype":"FP32","data":[[1,2,3,4],[5,6,7,8]]}],"outputs":[{"name":"double","parameters":{"binary_data":true}}],"parameters":{"binary_data_output":false}}"""), null),
            ("mymodel", Encoding.UTF8.GetBytes("""{"inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","data":[1,2,3,4]},{"name":"input1","shape":[3],"datatype":"BOOL","data":[true,false,true]}]}"""), null),
            ("text", Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[1,3],"datatype":"BYTES","data":["a","bé","c"]}]}"""), null),
        };
        var binary = new InferenceRequest { BinaryDataOutput = true };
        binary.Inputs.Add(new InferTensor("input0", TensorValue.Create(new uint[] { 1, 2, 3, 4 }, 2, 2)) { Binary = true });
        binary.Inputs.Add(new InferTensor("input1", TensorValue.Create(new[] { true, false, true }, 3)) { Binary = true });
        using (var encoded = RestInferenceCodec.EncodeRequest(binary))
        {
            seeds.Add(("mymodel", encoded.ToArray(), encoded.InferenceHeaderContentLength));
        }

        var strings = new InferenceRequest();
        strings.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { "x", "yy", "zzz" }, 1, 3)) { Binary = true });
        using (var encoded = RestInferenceCodec.EncodeRequest(strings))
        {
            seeds.Add(("text", encoded.ToArray(), encoded.InferenceHeaderContentLength));
        }

        var half = new InferenceRequest();
        half.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { (Half)1, (Half)2, (Half)3 }, 1, 3)));
        using (var encoded = RestInferenceCodec.EncodeRequest(half))
        {
            seeds.Add(("half", encoded.ToArray(), encoded.InferenceHeaderContentLength));
        }

        return seeds;
    }

    private static readonly string[] Fragments = ["{", "}", "[", "]", ",", ":", "\"", "null", "true", "-1", "1e400", "99999999999999999999", "\"shape\":[1000000000,1000000000]", "\"datatype\":\"BF16\"", "\"binary_data_size\":4", "\\u0000", "NaN", "\"data\":[[[[[[1]]]]]]"];

    private static byte[] Mutate(Random random, byte[] source)
    {
        var bytes = new List<byte>(source);
        int edits = random.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            int position = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[position] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(position, Math.Min(bytes.Count - position, random.Next(1, 8)));
                    break;
                case 2:
                    bytes.InsertRange(position, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                case 3:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 4 when bytes.Count > 0:
                    bytes[position] = (byte)"0123456789-.eE"[random.Next(14)];
                    break;
                default:
                    bytes.Insert(position, (byte)random.Next(256));
                    break;
            }
        }

        return bytes.ToArray();
    }
}
