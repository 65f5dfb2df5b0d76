using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Models;
using ModelKit.Onnx;
using ModelKit.Protocol.Grpc;
using ModelKit.Remote;
using ModelKit.Testing;
using ModelKit.Vision.Ocr;
using ModelKit.Vision.Serving;

namespace ModelKit.Vision.Tests;

/// <summary>
/// <c>modelkit pull paddleocr</c> as the CLI runs it (<see cref="ModelSourceCatalog"/>) into a temporary repository, served by a real
/// Kestrel server with the OCR pipeline provider: <c>paddleocr</c> as one model, and its networks as <c>paddleocr-det</c>,
/// <c>paddleocr-cls</c> and <c>paddleocr-rec</c>.
/// </summary>
public sealed class PulledPaddleOcrServer : IAsyncLifetime
{
    private readonly TempRepository _repository = new();

    public TestHost Host { get; private set; } = null!;

    public IReadOnlyList<string> Pulled { get; private set; } = [];

    public string Repository => _repository.Root;

    public async Task InitializeAsync()
    {
        Pulled = await ModelSourceCatalog.CreateDefault().Get("paddleocr").PullAsync(_repository.Root);
        Host = await TestHost.StartAsync(
            configure: o =>
            {
                o.RepositoryPath = _repository.Root;
                o.WarmupRuns = 1; // the pipeline's own warm-up input (a blank PNG), not zeros
            },
            models: b => b.AddOnnxRuntime().AddOcrPipelines());
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}

[Collection(ProcessWideAllocations.Name)]
public sealed partial class OcrServingTests(PulledPaddleOcrServer server, OcrFixture local) : IClassFixture<PulledPaddleOcrServer>, IClassFixture<OcrFixture>
{
    private static RenderedPage Page() => TextRendering.Render(
    [
        ("Seven silver spoons rest on the table", "DejaVuSans.ttf", 30),
        ("The quick brown fox jumps over", "DejaVuSerif.ttf", 26),
        ("a lazy dog in the quiet garden", "DejaVuSansMono.ttf", 22),
    ], 760, 240, noise: false);

    [Fact]
    public void Pull_writes_the_pipeline_and_its_three_networks()
    {
        Assert.Equal(["paddleocr", "paddleocr-det", "paddleocr-cls", "paddleocr-rec"], server.Pulled.Select(Path.GetFileName));
        foreach (string file in new[] { "det.onnx", "cls.onnx", "rec.onnx", "ppocr_keys_v1.txt" })
        {
            Assert.True(File.Exists(Path.Combine(server.Repository, "paddleocr", "1", file)), file);
        }

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(server.Repository, "paddleocr", "config.json")));
        Assert.Equal("ocr", config.RootElement.GetProperty("processing").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Metadata_describes_binary_bytes_images_in_and_lines_boxes_scores_image_index_out()
    {
        using var body = JsonDocument.Parse(await server.Host.Http.GetStringAsync("v2/models/paddleocr"));
        var input = Assert.Single(body.RootElement.GetProperty("inputs").EnumerateArray());
        Assert.Equal(("image", "BYTES", "[-1]"), (input.GetProperty("name").GetString(), input.GetProperty("datatype").GetString(), input.GetProperty("shape").GetRawText()));
        // The binary flag, in MLServer's words: the elements are bytes (base64 where only text travels).
        Assert.Equal("base64", input.GetProperty("parameters").GetProperty("content_type").GetString());
        Assert.Equal(
            ["lines BYTES [-1]", "boxes FP32 [-1,4,2]", "scores FP32 [-1]", "image_index INT64 [-1]", "box_scores FP32 [-1]", "upside_down BOOL [-1]"],
            body.RootElement.GetProperty("outputs").EnumerateArray().Select(static o => $"{o.GetProperty("name").GetString()} {o.GetProperty("datatype").GetString()} {o.GetProperty("shape").GetRawText()}"));

        // gRPC metadata carries the same parameter (MLServer's TensorMetadata.parameters).
        var grpc = await server.Host.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "paddleocr" });
        Assert.Equal("base64", grpc.Inputs.Single().Parameters["content_type"].StringParam);
        Assert.Empty(grpc.Outputs.Single(o => o.Name == "lines").Parameters);
    }

    [SkippableFact]
    public async Task The_unchanged_reader_configured_for_the_served_pipeline_reads_what_the_local_reader_reads_over_rest_binary_rest_json_and_grpc()
    {
        var page = Page();
        var turned = TextRendering.Turned(TextRendering.Render([("Upside down words read right", "DejaVuSans.ttf", 28)], 600, 90, noise: false));
        var blank = TextRendering.Render([], 200, 80, noise: false);
        byte[][] images = [page.Png, turned.Png, blank.Png];
        var expected = new List<IReadOnlyList<TextLine>>();
        foreach (var image in images)
        {
            expected.Add(await local.Reader.ReadAsync(image));
        }

        Assert.Equal(3, expected[0].Count);
        Assert.True(expected[1].Single().UpsideDown);
        Assert.Empty(expected[2]);
        foreach (string protocol in new[] { "rest-binary", "rest-json", "grpc" })
        {
            // The caller's code is the reader from DI; only ModelKit's configuration names the served pipeline.
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddRemote().AddModel(PaddleOcrModels.PipelineName, o =>
            {
                o.Endpoint = server.Host.EndpointFor(protocol);
                o.Protocol = protocol;
            }));
            services.AddImageTextReader(local.Files.Dictionary);
            await using var provider = services.BuildServiceProvider();
            var reader = provider.GetRequiredService<ImageTextReader>();
            Assert.True(reader.UsesPipelineModel, protocol);

            AssertSameLines(expected[0], await reader.ReadAsync(page.Png), protocol);
            await using (var stream = new MemoryStream(turned.Png))
            {
                AssertSameLines(expected[1], await reader.ReadAsync(stream), protocol);
            }

            // Many images in one request: the lines come back per image, in the images' order.
            var many = await reader.ReadManyAsync(images.Select(static b => (ReadOnlyMemory<byte>)b).ToArray());
            Assert.Equal(3, many.Count);
            for (int i = 0; i < images.Length; i++)
            {
                AssertSameLines(expected[i], many[i], $"{protocol}, image {i}");
            }

            // A bad image among many: the server's 400 names the image.
            var error = await Assert.ThrowsAnyAsync<ModelKitException>(() => reader.ReadManyAsync([page.Png, "not an image"u8.ToArray()]));
            Assert.Contains("image 1", error.Message);
        }
    }

    [SkippableFact]
    public async Task Many_images_in_one_raw_request_come_back_flattened_with_image_index()
    {
        var page = Page();
        var one = TextRendering.Render([("Only one line here", "DejaVuSans.ttf", 30)], 500, 80, noise: false);
        var expectedPage = await local.Reader.ReadAsync(page.Png);
        var expectedOne = await local.Reader.ReadAsync(one.Png);
        // tritonclient's way: an np.object_ array of two bytes elements, framed in binary data.
        using var response = await PostBinaryAsync(one.Png, page.Png);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var outputs = body.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(static o => o.GetProperty("name").GetString()!, static o => o.GetProperty("data").Clone());
        var index = outputs["image_index"].EnumerateArray().Select(static v => v.GetInt64()).ToArray();
        Assert.Equal(Enumerable.Repeat(0L, expectedOne.Count).Concat(Enumerable.Repeat(1L, expectedPage.Count)), index);
        Assert.Equal(expectedOne.Concat(expectedPage).Select(static l => l.Text), outputs["lines"].EnumerateArray().Select(static v => v.GetString()));
    }

    [SkippableFact]
    public async Task Served_as_one_model_it_reads_the_same_lines_as_the_local_reader_over_rest_binary_rest_json_and_grpc()
    {
        var page = Page();
        var expected = await local.Reader.ReadAsync(page.Png);
        Assert.Equal(3, expected.Count);

        // REST with the binary extension: the image's bytes as one BYTES element, framed as tritonclient frames np.object_ arrays.
        using (var response = await PostBinaryAsync(page.Png))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertSameLines(expected, ReadJsonOutputs(await response.Content.ReadAsStringAsync()));
        }

        // REST JSON carries text only: the image as base64, with MLServer's content type and without (the metadata says binary).
        foreach (string parameters in new[] { string.Empty, ""","parameters":{"content_type":"base64"}""" })
        {
            using var response = await server.Host.Http.PostAsync("v2/models/paddleocr/infer", Json(
                $$"""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES"{{parameters}},"data":["{{Convert.ToBase64String(page.Png)}}"]}]}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertSameLines(expected, ReadJsonOutputs(await response.Content.ReadAsStringAsync()));
        }

        // gRPC: the raw bytes in bytes_contents, and again in raw_input_contents.
        foreach (bool raw in new[] { false, true })
        {
            var request = new ModelInferRequest { ModelName = "paddleocr" };
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Shape = { 1 } };
            if (raw)
            {
                var framed = new byte[4 + page.Png.Length];
                BinaryPrimitives.WriteUInt32LittleEndian(framed, (uint)page.Png.Length);
                page.Png.CopyTo(framed, 4);
                request.Inputs.Add(tensor);
                request.RawInputContents.Add(ByteString.CopyFrom(framed));
            }
            else
            {
                tensor.Contents = new InferTensorContents { BytesContents = { ByteString.CopyFrom(page.Png) } };
                request.Inputs.Add(tensor);
            }

            var reply = await server.Host.Grpc.ModelInferAsync(request);
            var decoded = GrpcInferenceCodec.DecodeResponse(reply);
            var lines = decoded.Outputs.Single(o => o.Name == "lines").Value.Buffer.AsSpan<string>().ToArray();
            var boxes = decoded.Outputs.Single(o => o.Name == "boxes").Value.Buffer.AsSpan<float>().ToArray();
            var scores = decoded.Outputs.Single(o => o.Name == "scores").Value.Buffer.AsSpan<float>().ToArray();
            AssertSameLines(expected, (lines, boxes, scores));
        }
    }

    [SkippableFact]
    public async Task Three_remote_networks_orchestrated_by_the_client_read_the_same_lines_as_local()
    {
        var page = Page();
        var expected = await local.Reader.ReadAsync(page.Png);
        foreach (string protocol in new[] { "rest-binary", "grpc" })
        {
            var services = new ServiceCollection();
            void Remote(ModelOptions o)
            {
                o.Endpoint = server.Host.EndpointFor(protocol);
                o.Protocol = protocol;
            }

            // The caller's API is unchanged: the same contracts and ImageTextReader, only the models' configuration differs.
            services.AddModelKit(kit => kit.AddRemote()
                .AddModel<ITextDetectorModel>(Remote)
                .AddModel<ITextAngleClassifierModel>(Remote)
                .AddModel<ITextRecognizerModel>(Remote));
            services.AddImageTextReader(local.Files.Dictionary);
            await using var provider = services.BuildServiceProvider();
            var remote = await provider.GetRequiredService<ImageTextReader>().ReadAsync(page.Png);
            Assert.Equal(expected.Select(static l => l.Text), remote.Select(static l => l.Text));
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Confidence, remote[i].Confidence, 4);
                Assert.Equal(expected[i].Box.TopLeft.X, remote[i].Box.TopLeft.X, 2);
                Assert.Equal(expected[i].Box.BottomRight.Y, remote[i].Box.BottomRight.Y, 2);
            }
        }
    }

    [Fact]
    public async Task Bad_images_get_400_with_the_protocols_error_body_and_bounded_memory()
    {
        var png = TextRendering.Render([("bad input", "DejaVuSans.ttf", 20)], 200, 60, noise: false).Png;
        var cases = new (string Name, byte[] Bytes, string Expected)[]
        {
            ("truncated PNG", png[..(png.Length / 2)], "Image"),
            ("not an image", "hello, this is text"u8.ToArray(), "Image"),
            ("empty", [], "empty"),
            ("30000 × 30000 PNG (decompression bomb)", BombPng(30_000, 30_000), "30000"),
        };
        foreach (var (name, bytes, expected) in cases)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            using var response = await PostBinaryAsync(bytes);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode}");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains(expected, body.RootElement.GetProperty("error").GetString());
            // A decoded 30000 × 30000 image would take 2.7 GB; refused from its header, the request costs little. The count is
            // process-wide (client, server and anything the runtime does meanwhile), so the bound leaves room for that.
            Assert.True(allocated < 256L * 1024 * 1024, $"{name}: {allocated:N0} bytes allocated");
        }

        using var text = await server.Host.Http.PostAsync("v2/models/paddleocr/infer", Json("""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["漢字 is not base64"]}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, text.StatusCode);
        Assert.Contains("base64", await text.Content.ReadAsStringAsync());

        // base64 of "a" and "b": valid base64, not images; the error names the image.
        using var twoImages = await server.Host.Http.PostAsync("v2/models/paddleocr/infer", Json("""{"inputs":[{"name":"image","shape":[2],"datatype":"BYTES","data":["YQ==","Yg=="]}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, twoImages.StatusCode);
        Assert.Contains("image 0", await twoImages.Content.ReadAsStringAsync());

        using var tooMany = await server.Host.Http.PostAsync("v2/models/paddleocr/infer", Json(
            $$"""{"inputs":[{"name":"image","shape":[17],"datatype":"BYTES","data":[{{string.Join(",", Enumerable.Repeat("\"YQ==\"", 17))}}]}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("at most 16", await tooMany.Content.ReadAsStringAsync());

        var request = new ModelInferRequest { ModelName = "paddleocr" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Shape = { 1 }, Contents = new InferTensorContents { BytesContents = { ByteString.CopyFrom(BombPng(30_000, 30_000)) } } });
        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Host.Grpc.ModelInferAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [SkippableFact]
    public async Task A_bomb_among_many_images_gets_400_naming_it_with_bounded_memory_and_max_images_holds_over_rest_binary_and_grpc()
    {
        var page = Page().Png;
        var bomb = BombPng(30_000, 30_000);

        // REST binary: three images, the middle one declaring 30000 × 30000 pixels.
        long before = GC.GetTotalAllocatedBytes(precise: true);
        using (var response = await PostBinaryAsync(page, bomb, page))
        {
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            string error = body.RootElement.GetProperty("error").GetString()!;
            Assert.Contains("image 1", error);
            Assert.Contains("30000", error);
            // Refused from its header: the request costs what reading a page costs, never the 2.7 GB of the declared pixels.
            Assert.True(allocated < 256L * 1024 * 1024, $"{allocated:N0} bytes allocated");
        }

        // gRPC: the same three in bytes_contents.
        var request = new ModelInferRequest { ModelName = "paddleocr" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "image", Datatype = "BYTES", Shape = { 3 },
            Contents = new InferTensorContents { BytesContents = { ByteString.CopyFrom(page), ByteString.CopyFrom(bomb), ByteString.CopyFrom(page) } },
        });
        before = GC.GetTotalAllocatedBytes(precise: true);
        var grpcError = await Assert.ThrowsAsync<RpcException>(async () => await server.Host.Grpc.ModelInferAsync(request));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L * 1024 * 1024);
        Assert.Equal(StatusCode.InvalidArgument, grpcError.StatusCode);
        Assert.Contains("image 1", grpcError.Status.Detail);

        // max_images (16 by default) over REST binary and gRPC: 17 small images are refused before any is decoded.
        var seventeen = Enumerable.Repeat(bomb, 17).ToArray();
        using (var response = await PostBinaryAsync(seventeen))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("at most 16", await response.Content.ReadAsStringAsync());
        }

        var tooMany = new ModelInferRequest { ModelName = "paddleocr" };
        var contents = new InferTensorContents();
        contents.BytesContents.AddRange(seventeen.Select(ByteString.CopyFrom));
        tooMany.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Shape = { 17 }, Contents = contents });
        var tooManyError = await Assert.ThrowsAsync<RpcException>(async () => await server.Host.Grpc.ModelInferAsync(tooMany));
        Assert.Equal(StatusCode.InvalidArgument, tooManyError.StatusCode);
        Assert.Contains("at most 16", tooManyError.Status.Detail);
    }

    /// <summary>A valid PNG header declaring <paramref name="width"/> × <paramref name="height"/> pixels (the decoder tests' bomb).</summary>
    private static byte[] BombPng(int width, int height) => ImageDecoderTests.PngDeclaring(width, height);

    private Task<HttpResponseMessage> PostBinaryAsync(params byte[][] images)
    {
        int size = images.Sum(static i => 4 + i.Length);
        var json = Encoding.UTF8.GetBytes($$$"""{"inputs":[{"name":"image","shape":[{{{images.Length}}}],"datatype":"BYTES","parameters":{"binary_data_size":{{{size}}}}}],"outputs":[{"name":"lines"},{"name":"boxes"},{"name":"scores"},{"name":"image_index"}]}""");
        var body = new byte[json.Length + size];
        json.CopyTo(body, 0);
        int position = json.Length;
        foreach (var image in images)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(position), (uint)image.Length);
            image.CopyTo(body, position + 4);
            position += 4 + image.Length;
        }

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return server.Host.Http.PostAsync("v2/models/paddleocr/infer", content);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static (string[] Lines, float[] Boxes, float[] Scores) ReadJsonOutputs(string json)
    {
        using var body = JsonDocument.Parse(json);
        var outputs = body.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(static o => o.GetProperty("name").GetString()!, static o => o.GetProperty("data").Clone());
        return (
            outputs["lines"].EnumerateArray().Select(static v => v.GetString()!).ToArray(),
            outputs["boxes"].EnumerateArray().Select(static v => v.GetSingle()).ToArray(),
            outputs["scores"].EnumerateArray().Select(static v => v.GetSingle()).ToArray());
    }

    private static void AssertSameLines(IReadOnlyList<TextLine> expected, IReadOnlyList<TextLine> actual, string because)
    {
        Assert.True(expected.Select(static l => l.Text).SequenceEqual(actual.Select(static l => l.Text)),
            $"{because}: expected [{string.Join(" | ", expected.Select(static l => l.Text))}], got [{string.Join(" | ", actual.Select(static l => l.Text))}]");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Confidence, actual[i].Confidence, 4);
            Assert.Equal(expected[i].Box.Score, actual[i].Box.Score, 4);
            Assert.Equal(expected[i].UpsideDown, actual[i].UpsideDown);
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(expected[i].Box.Corners[c].X, actual[i].Box.Corners[c].X, 2);
                Assert.Equal(expected[i].Box.Corners[c].Y, actual[i].Box.Corners[c].Y, 2);
            }
        }
    }

    private static void AssertSameLines(IReadOnlyList<TextLine> expected, (string[] Lines, float[] Boxes, float[] Scores) actual)
    {
        Assert.Equal(expected.Select(static l => l.Text), actual.Lines);
        Assert.Equal(expected.Count * 8, actual.Boxes.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Confidence, actual.Scores[i], 4);
            var corners = expected[i].Box.Corners;
            for (int c = 0; c < 4; c++)
            {
                Assert.Equal(corners[c].X, actual.Boxes[(i * 8) + (c * 2)], 2);
                Assert.Equal(corners[c].Y, actual.Boxes[(i * 8) + (c * 2) + 1], 2);
            }
        }
    }
}

/// <summary>Tests that count the process's allocations run alone: other classes' OCR runs would be counted too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideAllocations
{
    public const string Name = "Process-wide allocation counts (not in parallel)";
}
