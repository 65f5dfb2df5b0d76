using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Vision;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Serving;

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
    private LoopbackServer? _server;
    private ServiceProvider _provider = null!;
    private ImageTextReader _reader = null!;
    private byte[] _page = [];

    [Params("local", "served rest-binary", "served grpc")]
    public string Path { get; set; } = "local";

    [GlobalSetup]
    public void Setup()
    {
        var files = PaddleOcrModels.EnsureAsync().GetAwaiter().GetResult();
        var services = new ServiceCollection();
        if (Path == "local")
        {
            services.AddModelKit(kit => kit.AddOnnxRuntime()
                .AddModel<ITextDetectorModel>(m => { m.Path = files.Detector; m.IntraOpThreads = 2; })
                .AddModel<ITextAngleClassifierModel>(m => { m.Path = files.Classifier; m.IntraOpThreads = 2; })
                .AddModel<ITextRecognizerModel>(m => { m.Path = files.Recognizer; m.IntraOpThreads = 2; }));
        }
        else
        {
            _server = LoopbackServer.Start(kit => kit.AddOnnxRuntime().AddOcrPipelines().AddModel(PaddleOcrModels.PipelineName, m =>
            {
                m.Path = files.Folder;
                m.IntraOpThreads = 2;
                m.Processing = new ProcessingOptions
                {
                    Kind = OcrPipelineProvider.Kind,
                    Settings =
                    {
                        ["detector"] = PaddleOcrModels.DetectorFile,
                        ["classifier"] = PaddleOcrModels.ClassifierFile,
                        ["recognizer"] = PaddleOcrModels.RecognizerFile,
                    },
                };
            }));
            string protocol = Path == "served grpc" ? "grpc" : "rest-binary";
            services.AddModelKit(kit => kit.AddRemote().AddModel(PaddleOcrModels.PipelineName, m =>
            {
                m.Endpoint = protocol == "grpc" ? _server.Grpc : _server.Rest;
                m.Protocol = protocol;
            }));
        }

        services.AddImageTextReader(files.Dictionary);
        _provider = services.BuildServiceProvider();
        _reader = _provider.GetRequiredService<ImageTextReader>();
        if (_reader.UsesPipelineModel != (Path != "local"))
        {
            throw new InvalidOperationException($"{Path}: the reader did not pick the expected path.");
        }

        _page = OcrPageBenchmarks.RenderPage();
        if (_reader.ReadAsync(_page).GetAwaiter().GetResult().Count != OcrPageBenchmarks.Lines)
        {
            throw new InvalidOperationException("The benchmark page did not read as 12 lines.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _server?.Dispose();
    }

    [Benchmark(Description = "OCR: one 960x640 page, 12 lines")]
    public Task<IReadOnlyList<TextLine>> ReadPage() => _reader.ReadAsync(_page);
}
