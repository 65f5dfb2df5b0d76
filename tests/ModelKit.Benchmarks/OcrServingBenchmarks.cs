using BenchmarkDotNet.Attributes;
using ModelKit.Vision.Ocr;

namespace ModelKit.Benchmarks;

/// <summary>
/// The same <see cref="ImageTextReader"/> call on the 12-line page of <see cref="OcrPageBenchmarks"/>: in-process (three networks
/// on ONNX Runtime) vs the pipeline served as one model by a loopback ModelKit server (<c>paddleocr</c>, processing kind
/// <c>ocr</c>) over rest-binary and gRPC — the image goes up, lines come back. Per line = per page / 12. Both sides run the networks
/// with 2 intra-op threads; the server shares the machine with the client.
/// </summary>
[MemoryDiagnoser]
public class OcrServingBenchmarks
{
    private OcrBenchmarkReader _ocr = null!;
    private byte[] _page = [];

    [Params("local", "served rest-binary", "served grpc")]
    public string Path { get; set; } = "local";

    [GlobalSetup]
    public void Setup()
    {
        _ocr = OcrBenchmarkReader.Start(Path);
        _page = OcrPageBenchmarks.RenderPage();
        if (_ocr.Reader.ReadAsync(_page).GetAwaiter().GetResult().Count != OcrPageBenchmarks.Lines)
        {
            throw new InvalidOperationException("The benchmark page did not read as 12 lines.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _ocr.Dispose();

    [Benchmark(Description = "OCR: one 960x640 page, 12 lines")]
    public Task<IReadOnlyList<TextLine>> ReadPage() => _ocr.Reader.ReadAsync(_page);
}
