using Microsoft.Extensions.DependencyInjection;
using ModelKit.Testing;
using ModelKit.Vision.Ocr;

namespace ModelKit.Vision.Tests;

/// <summary>
/// The served one-model <c>paddleocr</c> pipeline as a typed contract: encoded images in as binary elements (BYTES [N]), the flattened
/// lines, boxes, scores and image index out — what an app writes when it wants the pipeline's tensors rather than the reader.
/// </summary>
[ModelContract("paddleocr")]
public partial interface IServedOcrPipeline
{
    OcrPipelineLines Read(OcrPipelineImages images);

    ValueTask<OcrPipelineLines> ReadAsync(OcrPipelineImages images, CancellationToken cancellationToken = default);
}

public sealed class OcrPipelineImages
{
    [Tensor("image", -1)]
    public ReadOnlyMemory<byte>[] Images { get; set; } = [];
}

public sealed class OcrPipelineLines
{
    [Tensor("lines", -1)]
    public string[] Lines { get; set; } = [];

    [Tensor("boxes", -1, 4, 2)]
    public ModelTensor<float>? Boxes { get; set; }

    [Tensor("scores", -1)]
    public float[] Scores { get; set; } = [];

    [Tensor("image_index", -1)]
    public long[] ImageIndex { get; set; } = [];

    [Tensor("box_scores", -1)]
    public float[] BoxScores { get; set; } = [];

    [Tensor("upside_down", -1)]
    public bool[] UpsideDown { get; set; } = [];
}

/// <summary>The pipeline's images declared as text: a mistake the binding names.</summary>
[ModelContract("paddleocr")]
public partial interface IServedOcrAsText
{
    [return: Tensor("lines", -1)]
    string[] Read([Tensor("image", -1)] string[] images);
}

/// <summary>The pipeline's images declared as one UINT8 tensor: a mistake the binding names.</summary>
[ModelContract("paddleocr")]
public partial interface IServedOcrAsPixels
{
    [return: Tensor("lines", -1)]
    string[] Read([Tensor("image", -1)] byte[] image);
}

public sealed partial class OcrServingTests
{
    private ServiceProvider Typed<TContract>(string protocol)
        where TContract : class, IModelContract<TContract> => TypedClients.Remote<TContract>(server.Host.EndpointFor(protocol), protocol);

    [SkippableFact]
    public async Task A_typed_contract_of_the_served_pipeline_reads_what_the_local_reader_reads_over_rest_binary_rest_json_and_grpc()
    {
        var page = Page();
        var turned = TextRendering.Turned(TextRendering.Render([("Upside down words read right", "DejaVuSans.ttf", 28)], 600, 90, noise: false));
        var blank = TextRendering.Render([], 200, 80, noise: false);
        byte[][] images = [page.Png, blank.Png, turned.Png];
        var expected = new List<(long Image, TextLine Line)>();
        for (int i = 0; i < images.Length; i++)
        {
            expected.AddRange((await local.Reader.ReadAsync(images[i])).Select(line => ((long)i, line)));
        }

        Assert.Equal(4, expected.Count);
        foreach (string protocol in new[] { "rest-binary", "rest-json", "grpc" })
        {
            await using var services = Typed<IServedOcrPipeline>(protocol);
            var ocr = services.GetRequiredService<IServedOcrPipeline>();
            var request = new OcrPipelineImages { Images = images.Select(static b => (ReadOnlyMemory<byte>)b).ToArray() };
            foreach (var result in new[] { ocr.Read(request), await ocr.ReadAsync(request) })
            {
                Assert.Equal(expected.Select(static e => e.Line.Text), result.Lines);
                Assert.Equal(expected.Select(static e => e.Image), result.ImageIndex);
                Assert.Equal([expected.Count, 4, 2], result.Boxes!.Shape.ToArray());
                var boxes = result.Boxes.Span;
                for (int i = 0; i < expected.Count; i++)
                {
                    var line = expected[i].Line;
                    Assert.Equal(line.Confidence, result.Scores[i], 4);
                    Assert.Equal(line.Box.Score, result.BoxScores[i], 4);
                    Assert.Equal(line.UpsideDown, result.UpsideDown[i]);
                    for (int c = 0; c < 4; c++)
                    {
                        Assert.Equal(line.Box.Corners[c].X, boxes[(i * 8) + (c * 2)], 2);
                        Assert.Equal(line.Box.Corners[c].Y, boxes[(i * 8) + (c * 2) + 1], 2);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task Wrong_element_types_against_the_binary_image_input_name_the_contract_the_tensor_and_both_types(string protocol)
    {
        await using (var services = Typed<IServedOcrAsText>(protocol))
        {
            var error = Assert.ThrowsAny<ModelContractMismatchException>(() => services.GetRequiredService<IServedOcrAsText>().Read(["not an image"]));
            Assert.Contains("IServedOcrAsText.Read", error.Message);
            Assert.Contains("Parameter 'images' is string but input 'image' is BINARY (System.ReadOnlyMemory<byte>)", error.Message);
            Assert.Contains("declare ReadOnlyMemory<byte>[]", error.Message);
        }

        await using (var services = Typed<IServedOcrAsPixels>(protocol))
        {
            var error = Assert.ThrowsAny<ModelContractMismatchException>(() => services.GetRequiredService<IServedOcrAsPixels>().Read([1, 2, 3]));
            Assert.Contains("IServedOcrAsPixels.Read", error.Message);
            Assert.Contains("Parameter 'image' is byte but input 'image' is BINARY (System.ReadOnlyMemory<byte>)", error.Message);
            Assert.Contains("a byte[] or ReadOnlyMemory<byte> member is a UINT8 tensor", error.Message);
        }
    }
}
