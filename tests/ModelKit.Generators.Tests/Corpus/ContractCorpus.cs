namespace ModelKit.Generators.Tests.Corpus;

/// <summary>How a project compiles a variant.</summary>
internal enum CorpusGroup
{
    /// <summary>C# latest, nullable on, implicit usings, warnings as errors (the test default).</summary>
    Default,

    /// <summary><c>LangVersion</c> 10.</summary>
    CSharp10,

    /// <summary><c>LangVersion</c> 11, the minimum supported.</summary>
    CSharp11,

    /// <summary>Nullable off, ImplicitUsings off, warnings not errors.</summary>
    Relaxed,
}

/// <summary>
/// One contract as a user might write it. <see cref="Probe"/> (a method body over <c>client</c> and <c>pixels</c> returning the
/// logits) is set for variants that must build and run on mnist.onnx; <see cref="Diagnostics"/> for those that must get one of
/// these MK diagnostics in their own file. <see cref="Contract"/>: the contracts the probe registers (comma-separated; the first
/// is <c>client</c>).
/// </summary>
internal sealed record CorpusVariant(string Name, string Declarations, string? Probe, string[] Diagnostics, string Contract = "IDigits", CorpusGroup Group = CorpusGroup.Default)
{
    public bool Runs => Probe is not null;

    public override string ToString() => Name;
}

/// <summary>
/// The contract corpus of issue 15: the variants tried as a new user would write them (records, structs, init-only and required
/// members, fields, nullable annotations, inheritance, nested and generic types, overloads, params, defaults, keyword and
/// Unicode identifiers, internal types, types from another assembly, language versions, scaffolding…) and the mistakes they make.
/// Model <c>mnist</c>: input <c>Input3</c> float [1,1,28,28], output <c>Plus214_Output_0</c> float [1,10].
/// </summary>
internal static class ContractCorpus
{
    private const string Image = """
        public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
        """;

    private const string Scores = """
        public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
        """;

    private const string Types = Image + "\n" + Scores;

    private const string Contract = """
        [ModelContract("mnist")]
        public partial interface IDigits { DigitScores Predict(DigitImage image); }
        """;

    private const string Predict = "return client.Predict(new DigitImage { Pixels = pixels }).Logits;";

    public static IReadOnlyList<CorpusVariant> All { get; } = Build();

    private static CorpusVariant Runs(string name, string declarations, string probe, string contract = "IDigits", CorpusGroup group = CorpusGroup.Default) =>
        new(name, declarations, probe, [], contract, group);

    private static CorpusVariant Fails(string name, string declarations, params string[] diagnostics) =>
        new(name, declarations, null, diagnostics);

    private static CorpusVariant FailsIn(CorpusGroup group, string name, string declarations, params string[] diagnostics) =>
        new(name, declarations, null, diagnostics, Group: group);

    private static List<CorpusVariant> Build()
    {
        var variants = new List<CorpusVariant>();

        // ---- Input types ----
        string[] inputs =
        [
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; init; } = new float[784]; }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public required float[] Pixels { get; init; } }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels = new float[784]; }",
            "public sealed class DigitImage { public DigitImage(float[] pixels) { Pixels = pixels; } [Tensor(\"Input3\", 1, 1, 28, 28)] public readonly float[] Pixels; }",
            "public struct DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } }",
            "public readonly struct DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; init; } }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public ReadOnlyMemory<float> Pixels { get; set; } }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public Memory<float> Pixels { get; set; } }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[]? Pixels { get; set; } }",
            "public sealed class DigitImage { [Tensor(\"Input3\")] public float[] Pixels { get; set; } = new float[784]; }",
            "public sealed class DigitImage { [Tensor(\"Input3\", -1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; public string Label { get; set; } = \"seven\"; public int Ignored; }",
            "public class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public virtual float[] Pixels { get; set; } = new float[784]; }",
            "public sealed class DigitImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; private readonly int _unused = 1; public int Unused => _unused; }",
        ];
        for (int i = 0; i < inputs.Length; i++)
        {
            string probe = inputs[i].Contains("DigitImage(float[] pixels)", StringComparison.Ordinal) ? "return client.Predict(new DigitImage(pixels)).Logits;" : Predict;
            variants.Add(Runs($"input-{i}", Contract + "\n" + inputs[i] + "\n" + Scores, probe));
        }

        variants.Add(Runs("input-record-property", Contract + """

            public sealed record DigitImage([property: Tensor("Input3", 1, 1, 28, 28)] float[] Pixels);
            """ + "\n" + Scores, "return client.Predict(new DigitImage(pixels)).Logits;"));
        variants.Add(Runs("input-record-struct", Contract + """

            public record struct DigitImage([property: Tensor("Input3", 1, 1, 28, 28)] float[] Pixels);
            """ + "\n" + Scores, "return client.Predict(new DigitImage(pixels)).Logits;"));
        variants.Add(Runs("input-readonly-record-struct", Contract + """

            public readonly record struct DigitImage([property: Tensor("Input3", 1, 1, 28, 28)] float[] Pixels);
            """ + "\n" + Scores, "return client.Predict(new DigitImage(pixels)).Logits;"));
        variants.Add(Runs("input-model-tensor", Contract + """

            public sealed class DigitImage { [Tensor("Input3", 1, 1, -1, -1)] public ModelTensor<float> Pixels { get; set; } = null!; }
            """ + "\n" + Scores, "return client.Predict(new DigitImage { Pixels = new ModelTensor<float>(pixels, 1, 1, 28, 28) }).Logits;"));
        variants.Add(Runs("input-inherited", Contract + """

            public abstract class ImageBase { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
            public sealed class DigitImage : ImageBase { public string Source { get; set; } = "test"; }
            """ + "\n" + Scores, Predict));
        variants.Add(Runs("input-new-member", Contract + """

            public class ImageBase { [Tensor("Input2", 1, 2)] public float[] Pixels { get; set; } = new float[2]; }
            public sealed class DigitImage : ImageBase { [Tensor("Input3", 1, 1, 28, 28)] public new float[] Pixels { get; set; } = new float[784]; }
            """ + "\n" + Scores, Predict));
        variants.Add(Runs("input-override", Contract + """

            public class ImageBase { [Tensor("Input3", 1, 1, 28, 28)] public virtual float[] Pixels { get; set; } = new float[784]; }
            public sealed class DigitImage : ImageBase { public override float[] Pixels { get; set; } = new float[784]; }
            """ + "\n" + Scores, Predict));
        variants.Add(Runs("input-nested-type", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(Types.DigitImage image); }
            public static class Types { public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; } }
            """ + "\n" + Scores, "return client.Predict(new Types.DigitImage { Pixels = pixels }).Logits;"));
        variants.Add(Runs("input-generic-type", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(Tagged<string> image); }
            public sealed class Tagged<T> { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; public T? Tag { get; set; } }
            """ + "\n" + Scores, "return client.Predict(new Tagged<string> { Pixels = pixels, Tag = \"x\" }).Logits;"));
        variants.Add(Runs("input-ref-struct-sync", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage image); }
            public ref struct DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels; }
            """ + "\n" + Scores, "return client.Predict(new DigitImage { Pixels = pixels }).Logits;"));
        variants.Add(Runs("input-keyword-member", Contract + """

            public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] @class { get; set; } = new float[784]; }
            """ + "\n" + Scores, "return client.Predict(new DigitImage { @class = pixels }).Logits;"));
        variants.Add(Runs("input-unicode-member", Contract + """

            public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Größe { get; set; } = new float[784]; }
            """ + "\n" + Scores, "return client.Predict(new DigitImage { Größe = pixels }).Logits;"));
        variants.Add(Runs("input-from-another-assembly", """
            [ModelContract("mnist")]
            public partial interface IDigits { Lib.LibScores Predict(Lib.LibImage image); }
            """, "return client.Predict(new Lib.LibImage { Pixels = pixels }).Logits;"));

        // ---- Output types ----
        string[] outputs =
        [
            "public sealed class DigitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } = []; }",
            "public sealed class DigitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits = []; }",
            "public struct DigitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } }",
            "public sealed record DigitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } = []; }",
            "public sealed class DigitScores { [Tensor(\"Plus214_Output_0\", 1, 10)] public float[] Logits { get; set; } = []; }",
            "public sealed class DigitScores { [Tensor(\"Plus214_Output_0\", -1, 10)] public float[]? Logits { get; set; } }",
            "public sealed class DigitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } = []; public DigitScores() { } public DigitScores(float[] logits) { Logits = logits; } }",
            "public class ScoresBase { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } = []; } public sealed class DigitScores : ScoresBase { }",
        ];
        for (int i = 0; i < outputs.Length; i++)
        {
            variants.Add(Runs($"output-{i}", Contract + "\n" + Image + "\n" + outputs[i], Predict.Replace(".Logits;", ".Logits!;", StringComparison.Ordinal)));
        }

        variants.Add(Runs("output-memory", Contract + "\n" + Image + """

            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public Memory<float> Logits { get; set; } }
            """, "return client.Predict(new DigitImage { Pixels = pixels }).Logits.ToArray();"));
        variants.Add(Runs("output-readonly-memory", Contract + "\n" + Image + """

            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public ReadOnlyMemory<float> Logits { get; set; } }
            """, "return client.Predict(new DigitImage { Pixels = pixels }).Logits.ToArray();"));
        variants.Add(Runs("output-model-tensor", Contract + "\n" + Image + """

            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public ModelTensor<float>? Logits { get; set; } }
            """, "return client.Predict(new DigitImage { Pixels = pixels }).Logits!.ToArray();"));

        // ---- Method shapes ----
        variants.Add(Runs("async-valuetask", """
            [ModelContract("mnist")]
            public partial interface IDigits { ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken); }
            """ + Types, "return client.PredictAsync(new DigitImage { Pixels = pixels }, CancellationToken.None).AsTask().GetAwaiter().GetResult().Logits;"));
        variants.Add(Runs("async-task-default-token", """
            [ModelContract("mnist")]
            public partial interface IDigits { Task<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default); }
            """ + Types, "return client.PredictAsync(new DigitImage { Pixels = pixels }).GetAwaiter().GetResult().Logits;"));
        variants.Add(Runs("async-token-first", """
            [ModelContract("mnist")]
            public partial interface IDigits { Task<DigitScores> PredictAsync(CancellationToken cancellationToken, DigitImage image); }
            """ + Types, "return client.PredictAsync(CancellationToken.None, new DigitImage { Pixels = pixels }).GetAwaiter().GetResult().Logits;"));
        variants.Add(Runs("sync-with-token", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage image, CancellationToken cancellationToken = default); }
            """ + Types, Predict));
        variants.Add(Runs("batch-list-to-array", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images); }
            """ + Types, "return client.PredictBatch([new DigitImage { Pixels = pixels }, new DigitImage { Pixels = pixels }])[1].Logits;"));
        variants.Add(Runs("batch-array-to-list", """
            [ModelContract("mnist")]
            public partial interface IDigits { IReadOnlyList<DigitScores> PredictBatch(DigitImage[] images); }
            """ + Types, "return client.PredictBatch([new DigitImage { Pixels = pixels }])[0].Logits;"));
        variants.Add(Runs("batch-async", """
            [ModelContract("mnist")]
            public partial interface IDigits { Task<DigitScores[]> PredictBatchAsync(IReadOnlyList<DigitImage> images, CancellationToken cancellationToken); }
            """ + Types, "return client.PredictBatchAsync([new DigitImage { Pixels = pixels }], CancellationToken.None).GetAwaiter().GetResult()[0].Logits;"));
        variants.Add(Runs("direct-array", """
            [ModelContract("mnist")]
            public partial interface IDigits { [return: Tensor("Plus214_Output_0")] float[] Predict([Tensor("Input3", 1, 1, 28, 28)] float[] pixels); }
            """, "return client.Predict(pixels);"));
        variants.Add(Runs("direct-memory", """
            [ModelContract("mnist")]
            public partial interface IDigits { [return: Tensor("Plus214_Output_0")] ReadOnlyMemory<float> Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels); }
            """, "return client.Predict(pixels).ToArray();"));
        variants.Add(Runs("direct-async", """
            [ModelContract("mnist")]
            public partial interface IDigits { [return: Tensor("Plus214_Output_0")] ValueTask<float[]> PredictAsync([Tensor("Input3", 1, 1, 28, 28)] float[] pixels, CancellationToken cancellationToken); }
            """, "return client.PredictAsync(pixels, default).AsTask().GetAwaiter().GetResult();"));
        variants.Add(Runs("direct-params", """
            [ModelContract("mnist")]
            public partial interface IDigits { [return: Tensor("Plus214_Output_0")] float[] Predict([Tensor("Input3", 1, 1, 28, 28)] params float[] pixels); }
            """, "return client.Predict(pixels);"));
        variants.Add(Runs("output-parameter-memory", """
            [ModelContract("mnist")]
            public partial interface IDigits { void Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits); }
            """, "var logits = new float[10]; client.Predict(pixels, logits); return logits;"));
        variants.Add(Runs("output-parameter-array-async", """
            [ModelContract("mnist")]
            public partial interface IDigits { Task PredictAsync([Tensor("Input3", 1, 1, 28, 28)] float[] pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] float[] logits, CancellationToken cancellationToken); }
            """, "var logits = new float[10]; client.PredictAsync(pixels, logits, default).GetAwaiter().GetResult(); return logits;"));
        variants.Add(Runs("output-parameter-object", """
            [ModelContract("mnist")]
            public partial interface IDigits { void Predict(DigitImage image, [Output] Destination scores); }
            public sealed class Destination { [Tensor("Plus214_Output_0", 1, 10)] public float[] Logits { get; } = new float[10]; }
            """ + Image, "var scores = new Destination(); client.Predict(new DigitImage { Pixels = pixels }, scores); return scores.Logits;"));
        variants.Add(Runs("name-inferred-from-member", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitScores Predict(DigitImage image);
                DigitScores PredictPixels(ReadOnlyMemory<float> pixels);
            }
            """ + Types, "return client.PredictPixels(pixels).Logits;"));
        variants.Add(Runs("overloads", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitScores Predict(DigitImage image);
                [return: Tensor("Plus214_Output_0")] float[] Predict([Tensor("Input3", 1, 1, 28, 28)] float[] pixels);
            }
            """ + Types, "float[] direct = client.Predict(pixels); float[] typed = client.Predict(new DigitImage { Pixels = pixels }).Logits; return direct.Zip(typed, static (a, b) => a == b ? a : float.NaN).ToArray();"));
        variants.Add(Runs("many-methods", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitScores Predict(DigitImage image);
                ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);
                DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images);
                void PredictInto(ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0")] Memory<float> logits);
            }
            """ + Types, "var into = new float[10]; client.PredictInto(pixels, into); return into;"));
        variants.Add(Runs("default-members", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitScores Predict(DigitImage image);
                int Classify(float[] pixels) { float[] l = Predict(new DigitImage { Pixels = pixels }).Logits; return Array.IndexOf(l, l.Max()); }
                static string Describe() => "digits";
                string Name => "mnist";
            }
            """ + Types, "_ = client.Classify(pixels); _ = IDigits.Describe(); " + Predict));
        variants.Add(Runs("keyword-method-and-parameter", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores @checked(DigitImage @event); }
            """ + Types, "return client.@checked(new DigitImage { Pixels = pixels }).Logits;"));
        variants.Add(Runs("unicode-names", """
            [ModelContract("mnist")]
            public partial interface IZiffern { Ergebnis Erkenne(Bild bild); }
            public sealed class Bild { [Tensor("Input3", 1, 1, 28, 28)] public float[] Bildpunkte { get; set; } = new float[784]; }
            public sealed class Ergebnis { [Tensor("Plus214_Output_0")] public float[] Wertung { get; set; } = []; }
            """, "return client.Erkenne(new Bild { Bildpunkte = pixels }).Wertung;", contract: "IZiffern"));
        variants.Add(Runs("parameter-named-like-field", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage _predict); }
            """ + Types, Predict));
        variants.Add(Runs("parameters-named-like-locals", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage call, CancellationToken result = default); DigitScores[] PredictBatch(IReadOnlyList<DigitImage> calls); }
            """ + Types, Predict));
        variants.Add(Runs("method-named-like-client", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores DigitsModelClient(DigitImage image); }
            """ + Types, "return client.DigitsModelClient(new DigitImage { Pixels = pixels }).Logits;"));
        variants.Add(Runs("method-named-descriptor-new", """
            [ModelContract("mnist")]
            public partial interface IDigits { new DigitScores Descriptor(DigitImage image); }
            """ + Types, "return client.Descriptor(new DigitImage { Pixels = pixels }).Logits;"));

        // ---- Contracts ----
        variants.Add(Runs("internal-contract-and-types", """
            [ModelContract("mnist")]
            internal partial interface IDigits { DigitScores Predict(DigitImage image); }
            internal sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
            internal sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
            """, Predict));
        variants.Add(Runs("two-partial-declarations", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage image); }
            public partial interface IDigits { DigitScores PredictAgain(DigitImage image); }
            """ + Types, "return client.PredictAgain(new DigitImage { Pixels = pixels }).Logits;"));
        variants.Add(Runs("keyword-namespace", """
            namespace @event
            {
                [ModelContract("mnist")]
                public partial interface IDigits { DigitScores Predict(DigitImage image); }
                public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
                public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
            }
            """, "return client.Predict(new @event.DigitImage { Pixels = pixels }).Logits;", contract: "@event.IDigits"));
        variants.Add(Runs("names-differing-in-case", """
            [ModelContract("mnist")]
            public partial interface IOcr { DigitScores Predict(DigitImage image); }
            [ModelContract("mnist")]
            public partial interface IOCR { DigitScores Predict(DigitImage image); }
            """ + Types, "return provider.GetRequiredService<IOCR>().Predict(new DigitImage { Pixels = pixels }).Logits;", contract: "IOcr,IOCR"));
        variants.Add(Runs("namespaces-differing-in-case", """
            namespace Models { [ModelContract("mnist")] public partial interface IDigit { global::CorpusShared.DigitScores Predict(global::CorpusShared.DigitImage image); } }
            namespace models { [ModelContract("mnist")] public partial interface IDigit { global::CorpusShared.DigitScores Predict(global::CorpusShared.DigitImage image); } }
            """, "return client.Predict(new global::CorpusShared.DigitImage { Pixels = pixels }).Logits;", contract: "models.IDigit,Models.IDigit"));
        variants.Add(Runs("long-namespace-and-name", """
            namespace Contoso.Enterprise.Platform.MachineLearning.Inference.Contracts.Vision.Handwriting.Digits.Recognition.Version2
            {
                [ModelContract("mnist")]
                public partial interface IHandwrittenDigitRecognitionModelContractForTheEnterprisePlatformWithAVeryLongDescriptiveName { global::CorpusShared.DigitScores Predict(global::CorpusShared.DigitImage image); }
            }
            """, "return client.Predict(new global::CorpusShared.DigitImage { Pixels = pixels }).Logits;",
            contract: "Contoso.Enterprise.Platform.MachineLearning.Inference.Contracts.Vision.Handwriting.Digits.Recognition.Version2.IHandwrittenDigitRecognitionModelContractForTheEnterprisePlatformWithAVeryLongDescriptiveName"));
        variants.Add(Runs("contract-without-I-prefix", """
            [ModelContract("mnist")]
            public partial interface Digits { DigitScores Predict(DigitImage image); }
            """ + Types, Predict, contract: "Digits"));
        variants.Add(Runs("attribute-full-name", """
            [ModelKit.ModelContractAttribute("mnist")]
            public partial interface IDigits { DigitScores Predict([ModelKit.Tensor("Input3", 1, 1, 28, 28)] float[] pixels); }
            """ + Scores, "return client.Predict(pixels).Logits;"));
        variants.Add(Runs("model-name-constant", """
            public static class ModelNames { public const string Mnist = "mn" + "ist"; }
            [ModelContract(ModelNames.Mnist)]
            public partial interface IDigits { DigitScores Predict(DigitImage image); }
            """ + Types, Predict));
        variants.Add(Runs("scaffolded-empty-contract", """
            [ModelContract("mnist")]
            public partial interface IMnist;
            """, "return client.Predict(new MnistInput { Input3 = pixels }).Plus214Output0;", contract: "IMnist"));
        variants.Add(Runs("scaffolded-with-braces", """
            [ModelContract("mnist")]
            public partial interface IMnist { }
            """, "return client.PredictBatch([new MnistInput { Input3 = pixels }])[0].Plus214Output0;", contract: "IMnist"));
        variants.Add(Runs("documented-contract", """
            /// <summary>Digits.</summary>
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                /// <summary>Predicts.</summary>
                /// <param name="image">The image.</param>
                /// <returns>The scores.</returns>
                DigitScores Predict(DigitImage image);
            }
            """ + Types, Predict));
        variants.Add(Runs("pragma-and-attributes", """
            [ModelContract("mnist")]
            [System.ComponentModel.Description("digits")]
            public partial interface IDigits { [System.Obsolete("use another")] DigitScores Predict(DigitImage image); }
            """ + Types, "#pragma warning disable CS0618\n" + Predict + "\n#pragma warning restore CS0618"));

        // ---- Language version and project settings ----
        variants.Add(Runs("csharp-11", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage image); }
            public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = new float[0]; }
            """, Predict, group: CorpusGroup.CSharp11));
        variants.Add(FailsIn(CorpusGroup.CSharp10, "csharp-10", """
            [ModelContract("mnist")]
            public partial interface IDigits { DigitScores Predict(DigitImage image); }
            public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = new float[0]; }
            """, "MK1014"));
        variants.Add(Runs("relaxed-nullable-off-no-implicit-usings", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitScores Predict(DigitImage image);
                System.Threading.Tasks.Task<DigitScores> PredictAsync(DigitImage image, System.Threading.CancellationToken cancellationToken);
            }
            public class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } }
            public class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } }
            """, "return client.PredictAsync(new DigitImage { Pixels = pixels }, default).Result.Logits;", group: CorpusGroup.Relaxed));
        variants.Add(Runs("relaxed-structs", """
            [ModelContract("mnist")]
            internal partial interface IDigits { DigitScores Predict(DigitImage image); }
            internal struct DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels; }
            internal struct DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits; }
            """, Predict, group: CorpusGroup.Relaxed));

        // ---- Contract-level mistakes (MK1xxx) ----
        variants.Add(Fails("not-partial", "[ModelContract(\"mnist\")] public interface IDigits { DigitScores Predict(DigitImage image); }\n" + Types, "MK1001"));
        variants.Add(Fails("empty-model-name", "[ModelContract(\"\")] public partial interface IDigits { DigitScores Predict(DigitImage image); }\n" + Types, "MK1002"));
        variants.Add(Fails("nested-contract", "public static partial class Outer { [ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); } }\n" + Types, "MK1003"));
        variants.Add(Fails("generic-contract", "[ModelContract(\"mnist\")] public partial interface IDigits<T> { DigitScores Predict(DigitImage image); }\n" + Types, "MK1004"));
        variants.Add(Fails("property-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); float Threshold { get; } }\n" + Types, "MK1005"));
        variants.Add(Fails("event-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); event EventHandler Predicted; }\n" + Types, "MK1005"));
        variants.Add(Fails("static-abstract-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); static abstract IDigits Create(); }\n" + Types, "MK1005"));
        variants.Add(Fails("generic-method", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict<T>(DigitImage image); }\n" + Types, "MK1006"));
        variants.Add(Fails("async-without-token", "[ModelContract(\"mnist\")] public partial interface IDigits { Task<DigitScores> PredictAsync(DigitImage image); }\n" + Types, "MK1007"));
        variants.Add(Fails("list-return", "[ModelContract(\"mnist\")] public partial interface IDigits { List<DigitScores> Predict(DigitImage image); }\n" + Types, "MK1008"));
        variants.Add(Fails("tuple-return", "[ModelContract(\"mnist\")] public partial interface IDigits { (float[] Logits, int Label) Predict(DigitImage image); }\n" + Types, "MK1008"));
        variants.Add(Fails("nullable-struct-return", "[ModelContract(\"mnist\")] public partial interface IDigits { ScoreStruct? Predict(DigitImage image); }\npublic struct ScoreStruct { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } }\n" + Image, "MK1008"));
        variants.Add(Fails("interface-return", "[ModelContract(\"mnist\")] public partial interface IDigits { IScores Predict(DigitImage image); }\npublic interface IScores { [Tensor(\"Plus214_Output_0\")] float[] Logits { get; set; } }\n" + Image, "MK1008"));
        variants.Add(Fails("ref-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(ref DigitImage image); }\n" + Types, "MK1009"));
        variants.Add(Fails("in-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(in DigitImage image); }\n" + Types, "MK1009"));
        variants.Add(Fails("try-pattern", "[ModelContract(\"mnist\")] public partial interface IDigits { bool TryPredict(DigitImage image, out DigitScores scores); }\n" + Types, "MK1009"));
        variants.Add(Fails("nullable-token", "[ModelContract(\"mnist\")] public partial interface IDigits { Task<DigitScores> PredictAsync(DigitImage image, CancellationToken? cancellationToken); }\n" + Types, "MK1009"));
        variants.Add(Fails("two-tokens", "[ModelContract(\"mnist\")] public partial interface IDigits { Task<DigitScores> PredictAsync(DigitImage image, CancellationToken a, CancellationToken b); }\n" + Types, "MK1009"));
        variants.Add(Fails("object-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, object options); }\n" + Types, "MK1009"));
        variants.Add(Fails("tuple-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict((float[] Pixels, int Id) image); }\n" + Scores, "MK1009"));
        variants.Add(Fails("interface-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(IImage image); }\npublic interface IImage { [Tensor(\"Input3\", 1, 1, 28, 28)] float[] Pixels { get; } }\n" + Scores, "MK1009"));
        variants.Add(Fails("nullable-struct-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(ImageStruct? image); }\npublic struct ImageStruct { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } }\n" + Scores, "MK1009"));
        variants.Add(Fails("ref-struct-async", "[ModelContract(\"mnist\")] public partial interface IDigits { Task<DigitScores> PredictAsync(RefImage image, CancellationToken cancellationToken); }\npublic ref struct RefImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels; }\n" + Scores, "MK1009"));
        variants.Add(Fails("string-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, string mode); }\n" + Types, "MK2002"));
        variants.Add(Fails("no-outputs", "[ModelContract(\"mnist\")] public partial interface IDigits { void Warmup(DigitImage image); }\n" + Types, "MK1010"));
        variants.Add(Fails("client-name-taken", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); }\npublic sealed class DigitsModelClient { }\n" + Types, "MK1011"));
        variants.Add(Fails("sibling-client-name", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); }\n[ModelContract(\"mnist\")] public partial interface Digits { DigitScores Predict(DigitImage image); }\n" + Types, "MK1011"));
        variants.Add(Fails("inherits-members", "public interface IWarm { void Warmup(); }\n[ModelContract(\"mnist\")] public partial interface IDigits : IWarm { DigitScores Predict(DigitImage image); }\n" + Types, "MK1012"));
        variants.Add(Fails("batch-single-result", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores PredictBatch(IReadOnlyList<DigitImage> images); }\n" + Types, "MK1013"));
        variants.Add(Fails("batch-extra-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images, [Tensor(\"x\")] float[] extra); }\n" + Types, "MK1013"));
        variants.Add(Fails("file-local-contract", "[ModelContract(\"mnist\")] file partial interface IDigits { DigitScores Predict(DigitImage image); }\n" + Types, "MK1015"));
        variants.Add(Fails("method-named-descriptor", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Descriptor(DigitImage image); }\n" + Types, "MK1016"));

        // ---- Tensor mistakes (MK2xxx) ----
        variants.Add(Fails("no-tensor-members", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(RawImage image); }\npublic sealed class RawImage { public float[] Pixels { get; set; } = []; }\n" + Scores, "MK2001"));
        variants.Add(Fails("record-parameter-attribute", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); }\npublic sealed record DigitImage([Tensor(\"Input3\", 1, 1, 28, 28)] float[] Pixels);\n" + Scores, "MK2001"));
        variants.Add(Fails("internal-member-other-assembly", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(Lib.LibInternalImage image); }\n" + Scores, "MK2001"));
        variants.Add(Fails("new-member-without-tensor", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image); }\npublic class ImageBase { [Tensor(\"Input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }\npublic sealed class DigitImage : ImageBase { public new float[] Pixels { get; set; } = new float[784]; }\n" + Scores, "MK2001"));
        variants.Add(Fails("missing-return-attribute", "[ModelContract(\"mnist\")] public partial interface IDigits { float[] Predict([Tensor(\"Input3\", 1, 1, 28, 28)] float[] pixels); }", "MK2002"));
        variants.Add(Fails("decimal-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DecimalImage image); }\npublic sealed class DecimalImage { [Tensor(\"Input3\")] public decimal[] Pixels { get; set; } = []; }\n" + Scores, "MK2003"));
        variants.Add(Fails("jagged-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(GridImage image); }\npublic sealed class GridImage { [Tensor(\"Input3\")] public float[,] Pixels { get; set; } = new float[28, 28]; }\n" + Scores, "MK2003"));
        variants.Add(Fails("list-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(ListImage image); }\npublic sealed class ListImage { [Tensor(\"Input3\")] public List<float> Pixels { get; set; } = []; }\n" + Scores, "MK2003"));
        variants.Add(Fails("span-parameter", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(ReadOnlySpan<float> pixels); }\n" + Types, "MK2003"));
        variants.Add(Fails("span-parameter-with-tensor", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict([Tensor(\"Input3\")] ReadOnlySpan<float> pixels); }\n" + Types, "MK2003"));
        variants.Add(Fails("params-span", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(params ReadOnlySpan<float> pixels); }\n" + Types, "MK2003"));
        variants.Add(Fails("span-return", "[ModelContract(\"mnist\")] public partial interface IDigits { Span<float> Predict(DigitImage image); }\n" + Types, "MK2003"));
        variants.Add(Fails("static-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(StaticImage image); }\npublic sealed class StaticImage { [Tensor(\"Input3\")] public static float[] Pixels { get; set; } = []; }\n" + Scores, "MK2003"));
        variants.Add(Fails("duplicate-tensor", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(TwiceImage image); }\npublic sealed class TwiceImage { [Tensor(\"Input3\")] public float[] A { get; set; } = []; [Tensor(\"Input3\")] public float[] B { get; set; } = []; }\n" + Scores, "MK2004"));
        variants.Add(Fails("type-used-twice", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage first, DigitImage second); }\n" + Types, "MK2004"));
        variants.Add(Fails("empty-tensor-name", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(EmptyNameImage image); }\npublic sealed class EmptyNameImage { [Tensor(\"\")] public float[] Pixels { get; set; } = []; }\n" + Scores, "MK2005"));
        variants.Add(Fails("bad-shape", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(BadShapeImage image); }\npublic sealed class BadShapeImage { [Tensor(\"Input3\", 1, -2, 28, 28)] public float[] Pixels { get; set; } = []; }\n" + Scores, "MK2006"));
        variants.Add(Fails("scalar-shape", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, [Tensor(\"t\", 2)] float t); }\n" + Types, "MK2007"));
        variants.Add(Fails("output-constructor-parameters", "[ModelContract(\"mnist\")] public partial interface IDigits { Positional Predict(DigitImage image); }\npublic sealed record Positional([property: Tensor(\"Plus214_Output_0\")] float[] Logits);\n" + Image, "MK2008"));
        variants.Add(Fails("output-required", "[ModelContract(\"mnist\")] public partial interface IDigits { RequiredScores Predict(DigitImage image); }\npublic sealed class RequiredScores { [Tensor(\"Plus214_Output_0\")] public required float[] Logits { get; set; } }\n" + Image, "MK2008"));
        variants.Add(Fails("output-abstract", "[ModelContract(\"mnist\")] public partial interface IDigits { AbstractScores Predict(DigitImage image); }\npublic abstract class AbstractScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; set; } = []; }\n" + Image, "MK2008"));
        variants.Add(Fails("output-init-only", "[ModelContract(\"mnist\")] public partial interface IDigits { InitScores Predict(DigitImage image); }\npublic sealed class InitScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; init; } = []; }\n" + Image, "MK2009"));
        variants.Add(Fails("output-get-only", "[ModelContract(\"mnist\")] public partial interface IDigits { GetScores Predict(DigitImage image); }\npublic sealed class GetScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; } = []; }\n" + Image, "MK2009"));
        variants.Add(Fails("output-readonly-record-struct", "[ModelContract(\"mnist\")] public partial interface IDigits { ScoresStruct Predict(DigitImage image); }\npublic readonly record struct ScoresStruct([property: Tensor(\"Plus214_Output_0\")] float[] Logits);\n" + Image, "MK2009"));
        variants.Add(Fails("private-setter", "[ModelContract(\"mnist\")] public partial interface IDigits { PrivateScores Predict(DigitImage image); }\npublic sealed class PrivateScores { [Tensor(\"Plus214_Output_0\")] public float[] Logits { get; private set; } = []; }\n" + Image, "MK2010"));
        variants.Add(Fails("private-member", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(PrivateImage image); }\npublic sealed class PrivateImage { [Tensor(\"Input3\")] private float[] Pixels { get; set; } = []; }\n" + Scores, "MK2010"));
        variants.Add(Fails("readonly-destination", "[ModelContract(\"mnist\")] public partial interface IDigits { void Predict(DigitImage image, [Output, Tensor(\"Plus214_Output_0\")] ReadOnlyMemory<float> logits); }\n" + Image, "MK2011"));

        // ---- Against the model's signature (MK3xxx) ----
        variants.Add(Fails("wrong-input-name", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(LowerImage image); }\npublic sealed class LowerImage { [Tensor(\"input3\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = []; }\n" + Scores, "MK3001"));
        variants.Add(Fails("wrong-output-name", "[ModelContract(\"mnist\")] public partial interface IDigits { ShortScores Predict(DigitImage image); }\npublic sealed class ShortScores { [Tensor(\"Plus214_Output\")] public float[] Logits { get; set; } = []; }\n" + Image, "MK3002"));
        variants.Add(Fails("wrong-element-type", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(LongImage image); }\npublic sealed class LongImage { [Tensor(\"Input3\", 1, 1, 28, 28)] public long[] Pixels { get; set; } = []; }\n" + Scores, "MK3003"));
        variants.Add(Fails("wrong-rank", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(FlatImage image); }\npublic sealed class FlatImage { [Tensor(\"Input3\", 784)] public float[] Pixels { get; set; } = []; }\n" + Scores, "MK3004"));
        variants.Add(Fails("wrong-dimension", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(BigImage image); }\npublic sealed class BigImage { [Tensor(\"Input3\", 1, 1, 32, 32)] public float[] Pixels { get; set; } = []; }\n" + Scores, "MK3005"));
        variants.Add(Fails("input-never-supplied", "[ModelContract(\"mnist\")] public partial interface IDigits { [return: Tensor(\"Plus214_Output_0\")] float[] Predict([Tensor(\"Other\")] float[] other); }", "MK3001", "MK3006"));
        variants.Add(Fails("empty-contract-unlisted", "[ModelContract(\"mnist-v2\")] public partial interface IMnist2;", "MK3009"));
        variants.Add(Fails("empty-contract-wrong-case", "[ModelContract(\"MNIST\")] public partial interface IMnist3 { }", "MK3009"));

        // ---- Binary (BYTES) tensors: ReadOnlyMemory<byte> elements ----
        // A contract of a served model (not listed: nothing to check at build time) compiles beside the mnist one in every group.
        const string Ocr = """
            [ModelContract("paddleocr")]
            public partial interface IOcrPipeline
            {
                OcrLines Read(OcrImages images);
                [return: Tensor("lines", -1)] ModelTensor<System.ReadOnlyMemory<byte>> ReadRaw([Tensor("image", -1)] System.ReadOnlyMemory<byte>[] images);
                void ReadInto([Tensor("image", 1)] System.ReadOnlyMemory<System.ReadOnlyMemory<byte>> images, [Output, Tensor("lines", 4)] System.ReadOnlyMemory<byte>[] lines);
            }
            public sealed class OcrImages { [Tensor("image", -1)] public System.ReadOnlyMemory<byte>[] Images { get; set; } = new System.ReadOnlyMemory<byte>[0]; }
            public sealed class OcrLines { [Tensor("lines", -1)] public System.ReadOnlyMemory<byte>[] Lines { get; set; } = new System.ReadOnlyMemory<byte>[0]; [Tensor("image_index", -1)] public long[] ImageIndex { get; set; } = new long[0]; }
            """;
        variants.Add(Runs("binary-contract-beside", Contract + "\n" + Types + "\n" + Ocr, Predict));
        foreach (var group in new[] { CorpusGroup.CSharp11, CorpusGroup.Relaxed })
        {
            // C# 11 has no collection expressions: the output type's default is written out.
            variants.Add(Runs($"binary-contract-beside-{group}", Contract + "\n" + Image + "\n" + Scores.Replace("= [];", "= new float[0];", StringComparison.Ordinal) + "\n" + Ocr, Predict, group: group));
        }

        variants.Add(Fails("binary-for-float-input", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(BytesImage image); }\npublic sealed class BytesImage { [Tensor(\"Input3\")] public ReadOnlyMemory<byte>[] Pixels { get; set; } = []; }\n" + Scores, "MK3003"));
        variants.Add(Fails("binary-for-float-output", "[ModelContract(\"mnist\")] public partial interface IDigits { BytesScores Predict(DigitImage image); }\npublic sealed class BytesScores { [Tensor(\"Plus214_Output_0\")] public ModelTensor<ReadOnlyMemory<byte>>? Logits { get; set; } }\n" + Image, "MK3003"));
        variants.Add(Fails("binary-jagged-bytes", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, [Tensor(\"extra\", -1)] byte[][] files); }\n" + Types, "MK2003"));
        variants.Add(Fails("binary-memory-of-memory-bytes", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, [Tensor(\"extra\", -1)] Memory<byte>[] files); }\n" + Types, "MK2003"));
        variants.Add(Fails("binary-span-elements", "[ModelContract(\"mnist\")] public partial interface IDigits { DigitScores Predict(DigitImage image, [Tensor(\"extra\", -1)] ReadOnlySpan<ReadOnlyMemory<byte>> files); }\n" + Types, "MK2003"));

        // ---- Prepared calls: bound once, run many times; inputs written after preparing are what the run sees ----
        variants.Add(Runs("prepared-call", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                PreparedCall PreparePredict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits);
            }
            """, "var buffer = new float[784]; var logits = new float[10]; using (var prepared = client.PreparePredict(buffer, logits)) { prepared.Run(); System.Array.Copy(pixels, buffer, 784); prepared.Run(); } return logits;"));
        variants.Add(Runs("prepared-call-array-destinations", """
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                PreparedCall Prepare([Tensor("Input3", 1, 1, 28, 28)] float[] pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] float[] logits);
                void Predict([Tensor("Input3", 1, 1, 28, 28)] float[] pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] float[] logits);
            }
            """, "var logits = new float[10]; using var prepared = client.Prepare(pixels, logits); prepared.RunAsync().AsTask().GetAwaiter().GetResult(); var again = new float[10]; client.Predict(pixels, again); for (int i = 0; i < 10; i++) { if (again[i] != logits[i]) throw new System.Exception(\"prepared and ordinary differ\"); } return logits;"));

        return variants;
    }
}
