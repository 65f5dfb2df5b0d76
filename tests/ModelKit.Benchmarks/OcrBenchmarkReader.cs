using Microsoft.Extensions.DependencyInjection;
using ModelKit.Onnx;
using ModelKit.Remote;
using ModelKit.Vision;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Serving;
using SkiaSharp;

namespace ModelKit.Benchmarks;

/// <summary>
/// The <see cref="ImageTextReader"/> the OCR benchmarks call, on one of the paths a user configures: <c>local</c> (the three
/// networks in-process on ONNX Runtime), or <c>served rest-binary</c> / <c>served grpc</c> (the pipeline served as one model,
/// <c>paddleocr</c>, by a loopback ModelKit server, the reader configured for it). Networks run with 2 intra-op threads.
/// </summary>
internal sealed class OcrBenchmarkReader : IDisposable
{
    private readonly ServiceProvider _provider;
    private readonly LoopbackServer? _server;

    private OcrBenchmarkReader(ServiceProvider provider, LoopbackServer? server)
    {
        _provider = provider;
        _server = server;
        Reader = provider.GetRequiredService<ImageTextReader>();
    }

    public ImageTextReader Reader { get; }

    /// <summary>The reader on <paramref name="path"/>; <paramref name="concurrentDetections"/>: <see cref="OcrOptions.ConcurrentDetections"/> (served: <c>concurrent_detections</c>).</summary>
    public static OcrBenchmarkReader Start(string path, int concurrentDetections = 2)
    {
        var files = PaddleOcrModels.EnsureAsync().GetAwaiter().GetResult();
        var services = new ServiceCollection();
        LoopbackServer? server = null;
        if (path == "local")
        {
            services.AddModelKit(kit => kit.AddOnnxRuntime()
                .AddModel<ITextDetectorModel>(m => { m.Path = files.Detector; m.IntraOpThreads = 2; })
                .AddModel<ITextAngleClassifierModel>(m => { m.Path = files.Classifier; m.IntraOpThreads = 2; })
                .AddModel<ITextRecognizerModel>(m => { m.Path = files.Recognizer; m.IntraOpThreads = 2; }));
        }
        else
        {
            server = LoopbackServer.Start(kit => kit.AddOnnxRuntime().AddPaddleOcrPipeline(files, m =>
            {
                m.IntraOpThreads = 2;
                m.Processing!.Settings["concurrent_detections"] = concurrentDetections.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }));
            string protocol = path == "served grpc" ? "grpc" : "rest-binary";
            services.AddModelKit(kit => kit.AddRemote().AddModel(PaddleOcrModels.PipelineName, m =>
            {
                m.Endpoint = protocol == "grpc" ? server.Grpc : server.Rest;
                m.Protocol = protocol;
            }));
        }

        services.AddImageTextReader(files.Dictionary, o => o.ConcurrentDetections = concurrentDetections);
        var reader = new OcrBenchmarkReader(services.BuildServiceProvider(), server);
        if (reader.Reader.UsesPipelineModel != (path != "local"))
        {
            reader.Dispose();
            throw new InvalidOperationException($"{path}: the reader did not pick the expected path.");
        }

        return reader;
    }

    /// <summary>The benchmark pages' words.</summary>
    public static readonly string[] Words = ["morning", "river", "silver", "garden", "quiet", "planet", "window", "market", "forest", "yellow", "journey", "kitchen"];

    /// <summary><paramref name="count"/> of <see cref="Words"/> from <paramref name="first"/> on (wrapping), joined by spaces.</summary>
    public static string Text(int first, int count) => string.Join(' ', Enumerable.Range(0, count).Select(k => Words[(first + k) % Words.Length]));

    /// <summary>
    /// A white <paramref name="width"/> × <paramref name="height"/> PNG with the lines in DejaVu Sans at x = <paramref name="x"/>, 50 px
    /// apart from baseline y = <paramref name="y"/>.
    /// </summary>
    public static byte[] Render(int width, int height, IEnumerable<(string Text, int Size)> lines, float x = 30, float y = 40)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.White);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        using (var typeface = SKTypeface.FromFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
        {
            foreach (var (text, size) in lines)
            {
                using var font = new SKFont(typeface, size);
                canvas.DrawText(text, x, y, SKTextAlign.Left, font, paint);
                y += 50;
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        return image.Encode(SKEncodedImageFormat.Png, 100).ToArray();
    }

    public void Dispose()
    {
        _provider.Dispose();
        _server?.Dispose();
    }
}
