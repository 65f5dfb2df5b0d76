using System.Diagnostics;
using ModelKit.Onnx;
using ModelKit.OnnxFormat;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Onnx.Tests.Format;

/// <summary>Model signatures read from the file without weights, checked against the writer and against ONNX Runtime.</summary>
public sealed class OnnxSignatureReaderTests(ITestOutputHelper output)
{
    [Fact]
    public void Reads_what_the_writer_wrote()
    {
        var bytes = new OnnxGraphBuilder("sig") { OpsetVersion = 18, IrVersion = 9, ProducerVersion = "1.2.3", DocString = "doc" }
            .AddInput("image", OnnxDataType.Float, [-1, 3, -1, -1], [null, null, "height", ""])
            .AddInput("mask", OnnxDataType.Bool, [])
            .AddInput("w", OnnxDataType.Float, [2])
            .AddInput("anything", OnnxDataType.String, null)
            .AddInitializer("w", [1f, 2f], 2)
            .AddInitializer("bias", [0.5f], 1)
            .AddNode("Identity", ["image"], ["out"])
            .AddOutput("out", OnnxDataType.Float, [-1, 3, -1, -1], ["N", null, "height", ""])
            .AddOutput("ids", OnnxDataType.Int64, [-1, 7])
            .AddOpsetImport("com.microsoft", 1)
            .AddMetadata("author", "tests")
            .ToBytes();

        var signature = OnnxSignatureReader.Read(bytes);

        Assert.Equal("ModelKit", signature.ProducerName);
        Assert.Equal("1.2.3", signature.ProducerVersion);
        Assert.Equal("doc", signature.DocString);
        Assert.Equal("sig", signature.GraphName);
        Assert.Equal(9, signature.IrVersion);
        Assert.Equal(18, signature.OpsetVersion);
        Assert.Equal(["", "com.microsoft"], signature.OpsetImports.Select(static o => o.Domain));
        Assert.Equal("tests", signature.Metadata["author"]);
        Assert.Equal(2, signature.InitializerCount);

        // 'w' is an initializer as well as a graph input: it is not something a caller supplies.
        Assert.Equal(["image", "mask", "anything"], signature.Inputs.Select(static i => i.Name));
        var image = signature.Inputs[0];
        Assert.Equal(OnnxValueKind.Tensor, image.Kind);
        Assert.Equal(OnnxDataType.Float, image.ElementType);
        Assert.Equal([-1L, 3, -1, -1], image.Shape);
        Assert.Equal(["N", null, "height", null], image.DimensionNames);
        Assert.Equal("[N,3,height,?]", image.ShapeText);
        Assert.Equal("tensor(float)", image.TypeText);

        var mask = signature.Inputs[1];
        Assert.True(mask.HasShape);
        Assert.Empty(mask.Shape);
        Assert.Equal(OnnxDataType.Bool, mask.ElementType);

        Assert.False(signature.Inputs[2].HasShape);
        Assert.Equal(OnnxDataType.String, signature.Inputs[2].ElementType);

        Assert.Equal(["out", "ids"], signature.Outputs.Select(static o => o.Name));
        Assert.Equal([-1L, 7], signature.Outputs[1].Shape);
        Assert.Equal(["N", null], signature.Outputs[1].DimensionNames);
    }

    [Fact]
    public void Stream_path_and_bytes_give_the_same_signature()
    {
        var bytes = TestModels.Linear();
        string path = Path.Combine(Path.GetTempPath(), $"modelkit-sig-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        try
        {
            var fromBytes = OnnxSignatureReader.Read(bytes).ToString();
            Assert.Equal(fromBytes, OnnxSignatureReader.Read(path).ToString());
            using var nonSeekable = new ForwardOnlyStream(new MemoryStream(bytes));
            Assert.Equal(fromBytes, OnnxSignatureReader.Read(nonSeekable).ToString());
            Assert.Equal("inputs: x: tensor(float)[N,4]; outputs: y: tensor(float)[N,3]", fromBytes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Not_a_model_throws_OnnxFormatException()
    {
        Assert.Throws<OnnxFormatException>(() => OnnxSignatureReader.Read(Array.Empty<byte>()));
        Assert.Throws<OnnxFormatException>(() => OnnxSignatureReader.Read("not a model at all"u8.ToArray()));
        var truncated = TestModels.Linear();
        Assert.Throws<OnnxFormatException>(() => OnnxSignatureReader.Read(truncated[..(truncated.Length / 2)]));
    }

    [SkippableTheory]
    [InlineData("models/mnist.onnx")]
    [InlineData("models/mnist-batch.onnx")]
    [InlineData("models/ultraface-rfb-320.onnx")]
    public void Agrees_with_ONNX_Runtime_on_the_shared_models(string model)
    {
        string path = SharedData.Require(model);
        AssertAgreesWithOnnxRuntime(path);
    }

    [SkippableFact]
    public void Agrees_with_ONNX_Runtime_on_every_backend_test_model()
    {
        string root = SharedData.Require("onnx-backend-data");
        int compared = 0;
        var failures = new List<string>();
        foreach (var path in Directory.EnumerateFiles(root, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            OnnxModelBackend backend;
            try
            {
                backend = OnnxModelBackend.Load("sig", path, new ModelOptions { Path = path, IntraOpThreads = 1, GraphOptimizationLevel = "none" });
            }
            catch (ModelLoadException)
            {
                continue; // ONNX Runtime cannot load it (an operator its CPU build lacks); nothing to compare with.
            }

            using (backend)
            {
                try
                {
                    AssertSame(OnnxSignatureReader.Read(path), backend.Signature);
                    compared++;
                }
                catch (Exception ex) when (ex is Xunit.Sdk.XunitException or OnnxFormatException)
                {
                    failures.Add($"{Path.GetRelativePath(root, path)}: {ex.Message}");
                }
            }
        }

        output.WriteLine($"Compared {compared} models.");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(compared > 100, $"only {compared} models compared");
    }

    [SkippableFact]
    public void Reads_a_multi_megabyte_model_without_reading_its_weights()
    {
        string path = SharedData.Require("models/ultraface-rfb-320.onnx");
        long size = new FileInfo(path).Length;
        OnnxSignatureReader.Read(path); // warm-up (JIT)

        using var counting = new CountingStream(File.OpenRead(path));
        var signature = OnnxSignatureReader.Read(counting);

        var times = new double[20];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            OnnxSignatureReader.Read(path);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        output.WriteLine($"ultraface-rfb-320.onnx: {size:N0} bytes, read {counting.BytesRead:N0} bytes; Read(path) median {times[times.Length / 2]:F2} ms, best {times[0]:F2} ms (20 runs); {signature}");
        Assert.Equal(["input"], signature.Inputs.Select(static i => i.Name));
        Assert.Equal([1L, 3, 240, 320], signature.Inputs[0].Shape);
        Assert.Equal(["scores", "boxes"], signature.Outputs.Select(static o => o.Name));
        Assert.True(counting.BytesRead < size / 4, $"read {counting.BytesRead} of {size} bytes: the weights should be skipped, not read");
    }

    private static void AssertAgreesWithOnnxRuntime(string path)
    {
        using var backend = OnnxModelBackend.Load("sig", path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        AssertSame(OnnxSignatureReader.Read(path), backend.Signature);
    }

    private static void AssertSame(OnnxModelSignature ours, ModelSignature runtime)
    {
        Assert.Equal(runtime.Inputs.Select(static i => i.Name), ours.Inputs.Select(static i => i.Name));
        Assert.Equal(runtime.Outputs.Select(static o => o.Name), ours.Outputs.Select(static o => o.Name));
        foreach (var (mine, theirs) in ours.Inputs.Concat(ours.Outputs).Zip(runtime.Inputs.Concat(runtime.Outputs)))
        {
            if (mine.Kind != OnnxValueKind.Tensor)
            {
                Assert.Equal(TensorElementType.Undefined, theirs.ElementType);
                continue;
            }

            Assert.Equal((int)theirs.ElementType, (int)mine.ElementType);
            if (mine.HasShape)
            {
                Assert.Equal(theirs.Shape, mine.Shape);
                for (int d = 0; d < mine.Shape.Length; d++)
                {
                    string? runtimeName = theirs.DimensionNames is { } names && d < names.Count ? names[d] : null;
                    Assert.Equal(runtimeName, mine.DimensionNames[d]);
                }
            }
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = inner.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
