using BenchmarkDotNet.Attributes;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Protocol.Memory;
using ModelKit.Protocol.Rest;

namespace ModelKit.Benchmarks;

// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*BinaryRequestEncoding*' --job short --inProcess
/// <summary>
/// A request of encoded images (binary BYTES elements of 256 KiB) as the remote client sends it: the REST binary extension's frames
/// (large elements are the caller's memory; only the 4-byte lengths are written) and gRPC bytes_contents (wrapped, no copy),
/// against the one framed copy the REST encoder made before.
/// </summary>
[MemoryDiagnoser]
public class BinaryRequestEncoding
{
    private InferenceRequest _request = null!;
    private TensorValue _value;

    [Params(1, 16)]
    public int Images { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        var images = new ReadOnlyMemory<byte>[Images];
        for (int i = 0; i < images.Length; i++)
        {
            var bytes = new byte[256 * 1024];
            random.NextBytes(bytes);
            images[i] = bytes;
        }

        _value = TensorValue.Create(images, Images);
        _request = new InferenceRequest();
        _request.Inputs.Add(new InferTensor("image", _value) { Binary = true });
    }

    [Benchmark(Baseline = true, Description = "one framed copy (the REST encoding before)")]
    public int FramedCopy() => TensorBytes.GetWireBytes(_value).Length;

    [Benchmark(Description = "REST binary request, encoded and written")]
    public async Task<long> RestBinary()
    {
        using var message = RestInferenceCodec.EncodeRequest(_request);
        await message.WriteToAsync(Stream.Null);
        return message.ContentLength;
    }

    [Benchmark(Description = "gRPC request, encoded and sized")]
    public int Grpc() => GrpcInferenceCodec.EncodeRequest(_request).CalculateSize();
}
