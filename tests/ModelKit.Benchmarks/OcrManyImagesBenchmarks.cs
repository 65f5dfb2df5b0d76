using BenchmarkDotNet.Attributes;
using ModelKit.Vision.Ocr;

namespace ModelKit.Benchmarks;

/// <summary>
/// <see cref="ImageTextReader.ReadManyAsync"/> over 1, 4 or 16 small images of different sizes (2–4 lines each) in one call:
/// in-process (three networks on ONNX Runtime) and through the pipeline served as one model over rest-binary (all images in one
/// request). Per image = the call's time / <see cref="Images"/>. Both sides run the networks with 2 intra-op threads.
/// </summary>
[MemoryDiagnoser]
public class OcrManyImagesBenchmarks
{
    private OcrBenchmarkReader _ocr = null!;
    private ReadOnlyMemory<byte>[] _images = [];

    [Params(1, 4, 16)]
    public int Images { get; set; } = 1;

    [Params("local", "served rest-binary")]
    public string Path { get; set; } = "local";

    /// <summary>Images decoded and detected at a time (<see cref="OcrOptions.ConcurrentDetections"/>; served: <c>concurrent_detections</c>).</summary>
    [Params(1, 2)]
    public int Detections { get; set; } = 2;

    [GlobalSetup]
    public void Setup()
    {
        _ocr = OcrBenchmarkReader.Start(Path, Detections);
        _images = Enumerable.Range(0, Images).Select(static i => (ReadOnlyMemory<byte>)Render(i)).ToArray();
        var read = _ocr.Reader.ReadManyAsync(_images).GetAwaiter().GetResult();
        for (int i = 0; i < read.Count; i++)
        {
            if (read[i].Count != LinesOf(i))
            {
                throw new InvalidOperationException($"Image {i} read as {read[i].Count} lines, not {LinesOf(i)}.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _ocr.Dispose();

    [Benchmark(Description = "OCR: N small images (2-4 lines) in one call")]
    public Task<IReadOnlyList<IReadOnlyList<TextLine>>> ReadMany() => _ocr.Reader.ReadManyAsync(_images);

    private static int LinesOf(int image) => 2 + (image % 3);

    /// <summary>Image <paramref name="image"/>: 400–760 pixels wide, <see cref="LinesOf"/> lines of 3–5 words at 20–28 px.</summary>
    private static byte[] Render(int image) => OcrBenchmarkReader.Render(400 + ((image % 4) * 120), 60 + (LinesOf(image) * 50),
        Enumerable.Range(0, LinesOf(image)).Select(i => (OcrBenchmarkReader.Text((image * 7) + (i * 5), 3 + ((image + i) % 3)), 20 + (((image + i) % 3) * 4))), x: 20, y: 45);
}
