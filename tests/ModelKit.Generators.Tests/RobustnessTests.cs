using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelKit.Generators.Emitting;

namespace ModelKit.Generators.Tests;

/// <summary>
/// Issue 15: ordinary code that crashed the generator (CS8785 discards all its output), made it emit code that does not
/// compile, or got a misleading diagnostic. Each test runs the generator as a user's build does and checks what the user sees.
/// </summary>
public sealed class RobustnessTests
{
    private const string Types = """

        public sealed class Image { [Tensor("x", 1, 4)] public float[] X { get; set; } = new float[4]; }
        public sealed class Scores { [Tensor("y")] public float[] Y { get; set; } = []; }
        """;

    // ---- Crashes: hint names are built from a sanitised, bounded metadata name plus a hash of it ----

    [Fact]
    public void A_keyword_in_the_namespace_generates_every_contract()
    {
        var run = Run("""
            namespace V.@event
            {
                [ModelContract("m")]
                public partial interface IKw { Scores Predict(Image image); }
            }

            namespace V.Other
            {
                [ModelContract("m")]
                public partial interface IOther { Scores Predict(Image image); }
            }
            """);
        run.AssertClean(expectedSources: 2);
        Assert.Contains(HintNames.Client("V.event.IKw"), run.HintNames);
    }

    [Fact]
    public void Contracts_whose_names_differ_only_in_case_get_distinct_files()
    {
        var run = Run("""
            namespace Ocr
            {
                [ModelContract("m")]
                public partial interface IOcr { Scores Predict(Image image); }

                [ModelContract("m")]
                public partial interface IOCR { Scores Predict(Image image); }
            }

            namespace Models
            {
                [ModelContract("m")]
                public partial interface IDigit { Scores Predict(Image image); }
            }

            namespace models
            {
                [ModelContract("m")]
                public partial interface IDigit { Scores Predict(Image image); }
            }
            """);
        run.AssertClean(expectedSources: 4);
        Assert.Equal(4, run.HintNames.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void ModelContract_on_two_partial_declarations_generates_the_contract_once()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer { Scores Predict(Image image); }

            [ModelContract("m")]
            public partial interface IScorer { Scores PredictAgain(Image image); }
            """);
        run.AssertNoCrash();
        Assert.Empty(run.Diagnostics);
        Assert.Single(run.HintNames);
        Assert.All(run.Problems, static d => Assert.Equal("CS0579", d.Id)); // the compiler's own: duplicate attribute
        Assert.NotNull(run.Output.GetTypeByMetadataName("ScorerModelClient")?.GetMembers("PredictAgain").SingleOrDefault());
    }

    [Fact]
    public void A_long_namespace_and_name_give_a_bounded_file_name()
    {
        string ns = string.Join(".", Enumerable.Range(0, 30).Select(static i => "Company" + i));
        string name = "I" + new string('X', 200);
        var run = Run($$"""
            namespace {{ns}}
            {
                [ModelContract("m")]
                public partial interface {{name}} { Scores Predict(Image image); }
            }
            """);
        run.AssertClean(expectedSources: 1);
        Assert.True(run.HintNames[0].Length <= HintNames.MaxStemLength + 9 + ".ModelKit.g.cs".Length, run.HintNames[0]);
    }

    [Fact]
    public void Hint_names_are_stable_sanitised_and_case_distinct()
    {
        Assert.Equal("Samples.IDigitClassifier." + HintNames.Hash("Samples.IDigitClassifier").ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".ModelKit.g.cs", HintNames.Client("Samples.IDigitClassifier"));
        Assert.Equal(2166136261u, HintNames.Hash(string.Empty)); // the FNV-1a offset basis: the same on every platform and run
        Assert.NotEqual(HintNames.Client("Ocr.IOcr").ToUpperInvariant(), HintNames.Client("Ocr.IOCR").ToUpperInvariant());
        Assert.StartsWith("Ns.I_____.", HintNames.Client("Ns.Iäö/\\:"), StringComparison.Ordinal);
    }

    // ---- Generated code that did not compile ----

    [Fact]
    public void LangVersion_10_gets_MK1014_and_no_generated_code_instead_of_CS8703()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer { Scores Predict(Image image); }

            public sealed class Image { [Tensor("x", 1, 4)] public float[] X { get; set; } = new float[4]; }
            public sealed class Scores { [Tensor("y")] public float[] Y { get; set; } = new float[0]; }
            """, withTypes: false, parseOptions: TestReferences.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp10));
        run.AssertNoCrash();
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("MK1014", diagnostic.Id);
        Assert.Contains("C# 10.0", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal("IScorer", Identifier(diagnostic, run.Output));
        Assert.Empty(run.HintNames);
        Assert.Empty(run.Problems);
    }

    [Fact]
    public void A_parameter_named_like_a_runner_field_compiles()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                Scores Predict(Image _predict);
                Scores PredictOther(Image _predict2, CancellationToken _predictOther);
            }
            """);
        run.AssertClean(expectedSources: 1);
    }

    [Fact]
    public void A_method_named_like_the_client_compiles()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IDigitClassifier
            {
                Scores DigitClassifierModelClient(Image image);
            }
            """);
        run.AssertClean(expectedSources: 1);
        Assert.NotNull(run.Output.GetTypeByMetadataName("DigitClassifierModelClient2"));
    }

    [Fact]
    public Task A_ref_struct_input_of_an_async_method_gets_MK1009() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(RefImage image);
            ValueTask<Scores> PredictAsync(RefImage {|MK1009:image|}, CancellationToken cancellationToken);
            Task<Scores> PredictSpanAsync([Tensor("x")] ReadOnlySpan<float> {|MK1009:pixels|}, CancellationToken cancellationToken);
        }

        public ref struct RefImage { [Tensor("x", 1, 4)] public float[] X; }
        """);

    [Fact]
    public void A_member_redeclared_with_new_is_the_one_read_and_described()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                Scores Predict(DerivedImage image);
                Scores PredictOverride(OverridingImage image);
            }

            public class BaseImage { [Tensor("old", 1, 2)] public float[] X { get; set; } = new float[2]; }
            public sealed class DerivedImage : BaseImage { [Tensor("x", 1, 4)] public new float[] X { get; set; } = new float[4]; }

            public class VirtualImage { [Tensor("x", 1, 4)] public virtual float[] X { get; set; } = new float[4]; }
            public sealed class OverridingImage : VirtualImage { public override float[] X { get; set; } = new float[4]; }
            """);
        run.AssertClean(expectedSources: 1);
        string client = run.Sources[0];
        Assert.Contains("TensorDescriptor(\"x\", global::ModelKit.TensorElementType.Float, new long[] { 1L, 4L }, \"DerivedImage.X\")", client, StringComparison.Ordinal);
        Assert.Contains("TensorDescriptor(\"x\", global::ModelKit.TensorElementType.Float, new long[] { 1L, 4L }, \"OverridingImage.X\")", client, StringComparison.Ordinal);
        Assert.DoesNotContain("\"old\"", client, StringComparison.Ordinal);
    }

    [Fact]
    public void A_method_named_Descriptor_gets_MK1016_unless_declared_new()
    {
        var hiding = Run("""
            [ModelContract("m")]
            public partial interface IScorer { Scores Descriptor(Image image); }
            """);
        hiding.AssertNoCrash();
        var diagnostic = Assert.Single(hiding.Diagnostics);
        Assert.Equal(("MK1016", DiagnosticSeverity.Warning, "Descriptor"), (diagnostic.Id, diagnostic.Descriptor.DefaultSeverity, Identifier(diagnostic, hiding.Output)));
        Assert.All(hiding.Problems, static d => Assert.Equal("CS0108", d.Id));

        var declaredNew = Run("""
            [ModelContract("m")]
            public partial interface IScorer { new Scores Descriptor(Image image); }
            """);
        declaredNew.AssertClean(expectedSources: 1);
    }

    // ---- Diagnostics that misled ----

    [Fact]
    public Task Tuples_and_spans_say_what_is_unsupported_instead_of_MK2001() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict((float[] X, long N) {|MK1009:input|});
            {|MK1008:(float[] Y, long N)|} PredictTuple(Image image);
            Scores PredictSpan(ReadOnlySpan<float> {|MK2003:x|});
            Scores PredictParams(params ReadOnlySpan<float> {|MK2003:x|});
            {|MK2003:Span<float>|} PredictIntoSpan(Image image);
        }
        """);

    [Fact]
    public void The_messages_name_the_alternative()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                Scores Predict((float[] X, long N) input);
                Scores PredictSpan(ReadOnlySpan<float> x);
                Scores PredictInterface(IImage image);
                Scores PredictNullable(ImageStruct? image);
                Scores PredictRecord(RecordImage image);
            }

            public interface IImage { [Tensor("x", 1, 4)] float[] X { get; } }
            public struct ImageStruct { [Tensor("x", 1, 4)] public float[] X { get; set; } }
            public sealed record RecordImage([Tensor("x", 1, 4)] float[] X);
            """);
        run.AssertNoCrash();
        string messages = string.Join("\n", run.Diagnostics.Select(static d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("MK1009: Parameter 'input' of method 'IScorer.Predict' is not supported: tuples such as '(float[] X, long N)' are not supported; pass a class or struct", messages, StringComparison.Ordinal);
        Assert.Contains("MK2003: Parameter 'x' of 'IScorer.PredictSpan' cannot be a tensor: Span<T> and ReadOnlySpan<T> are not supported", messages, StringComparison.Ordinal);
        Assert.Contains("use ReadOnlyMemory<T>", messages, StringComparison.Ordinal);
        Assert.Contains("MK1009: Parameter 'image' of method 'IScorer.PredictInterface' is not supported: 'IImage' is an interface, and interface-typed inputs are not supported", messages, StringComparison.Ordinal);
        Assert.Contains("MK1009: Parameter 'image' of method 'IScorer.PredictNullable' is not supported: Nullable<T> inputs are not supported; pass 'ImageStruct' itself", messages, StringComparison.Ordinal);
        Assert.Contains("MK2001: Type 'RecordImage' used by parameter 'image' of 'IScorer.PredictRecord' has no [Tensor] members; [Tensor] on the record's parameter 'X' applies to the constructor parameter, not to the property; write [property: Tensor(\"name\")]", messages, StringComparison.Ordinal);
        Assert.DoesNotContain("neither an input type", messages, StringComparison.Ordinal);
        Assert.Equal(5, run.Diagnostics.Length);
    }

    [Fact]
    public void An_internal_tensor_member_of_another_assemblys_type_is_explained()
    {
        var library = TestReferences.CreateCompilation(["""
            using ModelKit;
            namespace Lib;
            public sealed class LibImage { [Tensor("x", 1, 4)] internal float[] X { get; set; } = new float[4]; }
            """], assemblyName: "ModelKit.GeneratorTests.Lib");
        using var stream = new MemoryStream();
        Assert.True(library.Emit(stream).Success);
        var reference = MetadataReference.CreateFromImage(stream.ToArray());
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("m")]
            public partial interface IScorer { Scores Predict(Lib.LibImage image); }
            """)]).AddReferences(reference);
        var (_, diagnostics, _) = GeneratorRunner.Run(compilation);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MK2001", diagnostic.Id);
        Assert.Contains("it is declared in assembly 'ModelKit.GeneratorTests.Lib', of which only public members can be seen here: make its [Tensor] members public", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public Task One_input_type_used_twice_is_reported_on_the_method_parameter() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image first, Image {|MK2004:second|});
        }
        """);

    [Fact]
    public void One_input_type_used_twice_names_both_parameters()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer { Scores Predict(Image first, Image second); }
            """);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("Tensor 'x' is mapped twice among the inputs of method 'IScorer.Predict': by Image.X of parameter 'first' and by Image.X of parameter 'second'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public Task A_nullable_CancellationToken_gets_one_MK1009_and_no_MK1007() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            ValueTask<Scores> PredictAsync(Image image, CancellationToken? {|MK1009:cancellationToken|});
        }
        """);

    [Fact]
    public Task The_Try_pattern_gets_one_MK1009_and_no_MK2002() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            bool TryPredict(Image image, out Scores {|MK1009:scores|});
        }
        """);

    [Fact]
    public void The_Try_pattern_message_says_what_to_write()
    {
        var run = Run("""
            [ModelContract("m")]
            public partial interface IScorer { bool TryPredict(Image image, out Scores scores); }
            """);
        Assert.Contains("return the output type instead", Assert.Single(run.Diagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("other", " (the listed models are 'other')")]
    [InlineData("Mnist", " (did you mean 'Mnist'? Model names are case-sensitive)")]
    [InlineData(null, " (no ModelKitModel items are listed)")]
    public void An_empty_contract_of_an_unlisted_model_says_so(string? listed, string expected)
    {
        var compilation = TestReferences.CreateCompilation(["""
            using ModelKit;
            namespace Scaffolded;
            [ModelContract("mnist")]
            public partial interface IMnist;
            """]);
        var (output, diagnostics, _) = listed is null
            ? GeneratorRunner.Run(compilation)
            : GeneratorRunner.Run(compilation, Signatures.Text(listed, Signatures.Hand(listed, "input\tx\ttensor\tfloat\t1,4", "output\ty\ttensor\tfloat\t1,3")));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(("MK3009", DiagnosticSeverity.Warning, "IMnist"), (diagnostic.Id, diagnostic.Descriptor.DefaultSeverity, Identifier(diagnostic, output)));
        Assert.Equal(
            "Model contract 'IMnist' declares no methods and model 'mnist' is not listed" + expected + "; list it with <ModelKitModel Include=\"path/to/model.onnx\" Name=\"mnist\" /> to scaffold the contract from the model, or declare its methods",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(TestReferences.Problems(output));
    }

    private static Task Verify(string source) => GeneratorTest.ForSource(Source(source)).DiagnosticsOnly().RunAsync();

    private static string Source(string contract, bool withTypes = true) => "using ModelKit;\n\n" + contract + "\n" + (withTypes ? Types : string.Empty);

    /// <summary>The source text a diagnostic underlines (generator diagnostics carry a path and span, not a tree).</summary>
    private static string Identifier(Diagnostic diagnostic, Compilation compilation)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    private static GeneratorRun Run(string source, bool withTypes = true, CSharpParseOptions? parseOptions = null)
    {
        var compilation = TestReferences.CreateCompilation([Source(source, withTypes)], parseOptions: parseOptions);
        var (output, diagnostics, result) = GeneratorRunner.Run(compilation);
        return new GeneratorRun(output, diagnostics, result);
    }

    private sealed record GeneratorRun(Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Result)
    {
        public string[] HintNames => Result.Results.Single().GeneratedSources.Select(static s => s.HintName).ToArray();

        public string[] Sources => Result.Results.Single().GeneratedSources.Select(static s => s.SourceText.ToString()).ToArray();

        public IReadOnlyList<Diagnostic> Problems => TestReferences.Problems(Output);

        public void AssertNoCrash()
        {
            Assert.Null(Result.Results.Single().Exception);
            Assert.DoesNotContain(Diagnostics, static d => d.Id == "CS8785");
        }

        /// <summary>No crash, no diagnostic, the expected number of files, and the whole compilation (warnings as errors) clean.</summary>
        public void AssertClean(int expectedSources)
        {
            AssertNoCrash();
            Assert.Empty(Diagnostics);
            Assert.Equal(expectedSources, HintNames.Length);
            Assert.Empty(Problems);
        }
    }
}
