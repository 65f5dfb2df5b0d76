namespace ModelKit.Generators.Tests;

/// <summary>The contracts of the snapshot tests (each compiles as a user's file).</summary>
internal static class Contracts
{
    /// <summary>The reference contract (docs/reference-contract.cs.txt).</summary>
    public static string DigitClassifier => File.ReadAllText(Path.Combine(ModelKit.Testing.SharedData.RepoRoot, "docs", "reference-contract.cs.txt"));

    /// <summary>The client the reference contract must produce (docs/reference-generated-client.cs.txt).</summary>
    public static string DigitClassifierClient => File.ReadAllText(Path.Combine(ModelKit.Testing.SharedData.RepoRoot, "docs", "reference-generated-client.cs.txt"));

    /// <summary>Issue 2's contract with the attribute on the parameter and the return value.</summary>
    public const string MnistRaw = """
        using ModelKit;

        namespace Samples.Raw;

        [ModelContract("mnist")]
        public partial interface IMnistRaw
        {
            [return: Tensor("Plus214_Output_0")]
            float[] Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels);
        }
        """;

    /// <summary>A stateful model: several inputs and outputs, async and batch shapes (array in/list out and back).</summary>
    public const string MultiInputOutput = """
        using ModelKit;

        namespace Speech.Vad;

        [ModelContract("silero-vad")]
        public partial interface IVoiceActivity
        {
            VadOutput Step(VadInput input);
            ValueTask<VadOutput> StepAsync(VadInput input, CancellationToken cancellationToken = default);
            IReadOnlyList<VadOutput> StepBatch(VadInput[] inputs, CancellationToken cancellationToken);
            Task<VadOutput[]> StepBatchAsync(IReadOnlyList<VadInput> inputs, CancellationToken cancellationToken);
            VadOutput StepWithState(VadInput input, [Tensor("h0", 2, 1, 64)] float[] hidden);
        }

        public sealed class VadInput
        {
            [Tensor("input", 1, -1)] public float[] Audio { get; set; } = [];
            [Tensor("state", 2, 1, 128)] public ReadOnlyMemory<float> State { get; set; }
            [Tensor("sr")] public long SampleRate { get; set; } = 16000;
            public string Comment { get; set; } = "not a tensor";
        }

        public sealed class VadOutput
        {
            [Tensor("output", 1, 1)] public float[] Probability { get; set; } = [];
            [Tensor("stateN", 2, 1, 128)] public Memory<float> State { get; set; }
        }
        """;

    /// <summary>Shaped tensors whose shape is known at run time.</summary>
    public const string ShapedTensors = """
        using ModelKit;

        namespace Vision;

        [ModelContract("ultraface")]
        public partial interface IFaceDetector
        {
            Detections Detect(FaceImage image);

            [return: Tensor("scores")]
            Task<ModelTensor<float>> ScoresAsync([Tensor("input", 1, 3, 240, 320)] ModelTensor<float> image, CancellationToken cancellationToken);
        }

        public sealed class FaceImage
        {
            [Tensor("input", 1, 3, -1, -1)] public ModelTensor<float> Pixels { get; set; } = null!;
        }

        public sealed class Detections
        {
            [Tensor("scores")] public ModelTensor<float> Scores { get; set; } = null!;
            [Tensor("boxes")] public ModelTensor<float>? Boxes { get; set; }
        }
        """;

    /// <summary>Scalars, strings and every element type, in the global namespace, with struct and field members.</summary>
    public const string ScalarsAndStrings = """
        using ModelKit;

        [ModelContract("text-scorer")]
        public partial interface ITextScorer
        {
            TextScore Score(TextInput input);

            [return: Tensor("count")]
            long Count([Tensor("text")] string text);

            [return: Tensor("labels", -1)]
            string?[] Labels([Tensor("texts", -1)] string[] texts, [Tensor("threshold", 1)] float threshold, CancellationToken cancellationToken);

            AllTypes RoundTrip(AllTypes values);
        }

        public struct TextInput
        {
            [Tensor("text")] public string Text;
            [Tensor("threshold", 1)] public float Threshold;
            [Tensor("temperature", 1, 1)] public System.Half Temperature;
            [Tensor("scale")] public BFloat16 Scale;
            [Tensor("lowercase")] public bool Lowercase;
        }

        public sealed class TextScore
        {
            [Tensor("score")] public double Score { get; set; }
            [Tensor("label")] public string Label { get; set; } = "";
            [Tensor("tokens", -1)] public string[] Tokens { get; set; } = [];
            [Tensor("ids")] public ReadOnlyMemory<long> Ids { get; set; }
        }

        public sealed class AllTypes
        {
            [Tensor("f32")] public float[] Float { get; set; } = [];
            [Tensor("f64")] public double[] Double { get; set; } = [];
            [Tensor("i8")] public sbyte[] Int8 { get; set; } = [];
            [Tensor("u8")] public byte[] UInt8 { get; set; } = [];
            [Tensor("i16")] public short[] Int16 { get; set; } = [];
            [Tensor("u16")] public ushort[] UInt16 { get; set; } = [];
            [Tensor("i32")] public int[] Int32 { get; set; } = [];
            [Tensor("u32")] public uint[] UInt32 { get; set; } = [];
            [Tensor("i64")] public long[] Int64 { get; set; } = [];
            [Tensor("u64")] public ulong[] UInt64 { get; set; } = [];
            [Tensor("b")] public bool[] Bool { get; set; } = [];
            [Tensor("s")] public string[] String { get; set; } = [];
            [Tensor("f16")] public System.Half[] Float16 { get; set; } = [];
            [Tensor("bf16")] public BFloat16[] BFloat16 { get; set; } = [];
        }
        """;

    /// <summary>Outputs written into caller memory: an output object, arrays and memory, tensor names inferred from the contract.</summary>
    /// <summary>Binary (BYTES) tensors: encoded images in, binary and text elements out, as arrays, shaped tensors, memory and destinations.</summary>
    public const string BinaryTensors = """
        using ModelKit;

        namespace Vision.Ocr;

        [ModelContract("paddleocr")]
        public partial interface IPageReader
        {
            PageLines Read(PageImages images);

            ValueTask<PageLines> ReadAsync(PageImages images, CancellationToken cancellationToken);

            [return: Tensor("lines", -1)]
            ModelTensor<ReadOnlyMemory<byte>> ReadRaw([Tensor("image", -1)] ReadOnlyMemory<ReadOnlyMemory<byte>> images);

            void ReadInto([Tensor("image", -1)] ReadOnlyMemory<byte>[] images, [Output, Tensor("lines", 2)] Memory<ReadOnlyMemory<byte>> lines);
        }

        public sealed class PageImages
        {
            [Tensor("image", -1)] public ReadOnlyMemory<byte>[] Images { get; set; } = [];
        }

        public sealed class PageLines
        {
            [Tensor("lines", -1)] public ReadOnlyMemory<byte>[] Lines { get; set; } = [];
            [Tensor("boxes", -1, 4, 2)] public ModelTensor<float>? Boxes { get; set; }
            [Tensor("image_index", -1)] public long[] ImageIndex { get; set; } = [];
            [Tensor("text", -1)] public string[] Text { get; set; } = [];
        }
        """;

    public const string OutputParameters = """
        using ModelKit;

        namespace Samples.Outputs;

        [ModelContract("mnist")]
        public partial interface IDigitInto
        {
            void Predict(DigitImage image, [Output] DigitLogits logits);
            ValueTask PredictAsync([Tensor("Input3", 1, 1, 28, 28)] float[] pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] float[] logits, CancellationToken cancellationToken);
            Task PredictTaskAsync(ReadOnlyMemory<float> pixels, [Output] Memory<float> logits, CancellationToken cancellationToken);
        }

        public sealed class DigitImage
        {
            [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784];
        }

        public sealed class DigitLogits
        {
            [Tensor("Plus214_Output_0", 1, 10)] public float[] Logits { get; } = new float[10];
        }
        """;

    /// <summary>A contract with one broken method: the client is still generated, the broken method throws (and the build fails on MK1007).</summary>
    public const string WithErrors = """
        using ModelKit;

        namespace Samples.Broken;

        [ModelContract("mnist")]
        public partial interface IPartlyBroken
        {
            [return: Tensor("Plus214_Output_0")]
            float[] Predict([Tensor("Input3", 1, 1, 28, 28)] float[] pixels);

            [return: Tensor("Plus214_Output_0")]
            ValueTask<float[]> {|MK1007:PredictAsync|}([Tensor("Input3", 1, 1, 28, 28)] float[] pixels);
        }
        """;
    /// <summary>
    /// Processing steps in the contract: the steps turn a 28×28 byte image into mnist's input and its logits into a digit, logits or
    /// a label; every method form (sync, ValueTask, Task, batch array/list in and out, nullable input, a step only DI can create).
    /// </summary>
    public const string Processing = """
        using ModelKit;
        using ModelKit.Processing;

        namespace Samples.Digits;

        [ModelContract("mnist")]
        public partial interface IDigitReader
        {
            [Preprocess<InkPixels>, Postprocess<Argmax>]
            int Read(byte[] image);

            [Preprocess<InkPixels>, Postprocess<Argmax>]
            ValueTask<int> ReadAsync(byte[] image, CancellationToken cancellationToken);

            [Preprocess<InkPixels>, Postprocess<Argmax>]
            Task<float[]> LogitsAsync(byte[] image, CancellationToken cancellationToken = default);

            [Preprocess<InkPixels>, Postprocess<Argmax>]
            int[] ReadBatch(IReadOnlyList<byte[]> images);

            [Preprocess<InkPixels>, Postprocess<Argmax>]
            ValueTask<IReadOnlyList<int>> ReadBatchAsync(byte[][] images, CancellationToken cancellationToken);

            [Preprocess<InkPixels>, Postprocess<Labeller>]
            string? Label(byte[]? image);
        }

        /// <summary>28×28 bytes → Input3 [1,1,28,28] floats.</summary>
        public sealed class InkPixels : IPreprocessor<byte[]>
        {
            public IReadOnlyList<StepTensor> Tensors { get; } = [new StepTensor("Input3", TensorElementType.Float, [1, 1, 28, 28])];

            public void Preprocess(byte[] input, ProcessingContext context)
            {
                var pixels = context.Rent<float>(28 * 28);
                for (int i = 0; i < pixels.Length; i++)
                {
                    pixels.Span[i] = input[i];
                }

                context.SetInput("Input3", (ReadOnlyMemory<float>)pixels, [1, 1, 28, 28]);
            }
        }

        /// <summary>Logits → the digit, or the logits themselves.</summary>
        public sealed class Argmax : IPostprocessor<int>, IPostprocessor<float[]>
        {
            public IReadOnlyList<StepTensor> Tensors { get; } = [new StepTensor("Plus214_Output_0", TensorElementType.Float, [1, 10])];

            public int Postprocess(ProcessingContext context)
            {
                var logits = context.GetOutput("Plus214_Output_0").Buffer.AsSpan<float>();
                int best = 0;
                for (int i = 1; i < logits.Length; i++)
                {
                    best = logits[i] > logits[best] ? i : best;
                }

                return best;
            }

            float[] IPostprocessor<float[]>.Postprocess(ProcessingContext context) => context.GetOutput("Plus214_Output_0").Buffer.AsSpan<float>().ToArray();
        }

        /// <summary>A step only dependency injection can create (its constructor takes the label's prefix).</summary>
        public sealed class Labeller(string prefix) : IPostprocessor<string?>
        {
            private readonly Argmax _argmax = new();

            public IReadOnlyList<StepTensor> Tensors => _argmax.Tensors;

            public string? Postprocess(ProcessingContext context) => prefix + _argmax.Postprocess(context);
        }
        """;
}
