using Microsoft.CodeAnalysis;

namespace ModelKit.Generators.Tests;

/// <summary>
/// MK3xxx: contracts checked against their model's signature (a <c>.modelkit-signature</c> AdditionalFile, as the build step
/// writes it). Model <c>m</c>: input <c>x</c> float [1,4], output <c>y</c> float [N,3].
/// </summary>
public sealed partial class DiagnosticTests
{
    private static readonly string ModelM = Signatures.Hand("m", "input\tx\ttensor\tfloat\t1,4", "output\ty\ttensor\tfloat\t?N,3");

    [Fact]
    public Task MK3001_unknown_input() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image image);
            [return: Tensor("y")] float[] {|MK3006:PredictRaw|}([Tensor("X1")] float[] {|MK3001:pixels|});
        }
        """, ModelM);

    [Fact]
    public Task MK3002_output_missing_in_model() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image image);
            Probabilities PredictProbabilities(Image image);
        }

        public sealed class Probabilities { [Tensor("probabilities")] public float[] {|MK3002:P|} { get; set; } = []; }
        """, ModelM);

    [Fact]
    public Task MK3003_element_type_mismatch() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(LongImage image);
            void PredictInto(Image image, [Output, Tensor("y")] Memory<double> {|MK3003:y|});
        }

        public sealed class LongImage { [Tensor("x", 1, 4)] public long[] {|MK3003:X|} { get; set; } = new long[4]; }
        """, ModelM);

    [Fact]
    public Task MK3004_rank_mismatch() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(FlatImage image);
        }

        public sealed class FlatImage { [Tensor("x", 4)] public float[] {|MK3004:X|} { get; set; } = new float[4]; }
        """, ModelM);

    [Fact]
    public Task MK3005_fixed_dimension_mismatch() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(WideImage image);
            Scores PredictDynamic(DynamicImage image);
            FixedScores PredictFixed(Image image);
            [return: Tensor("y")] {|MK3005:float|} PredictScalar(Image image);
        }

        public sealed class WideImage { [Tensor("x", 1, 5)] public float[] {|MK3005:X|} { get; set; } = new float[5]; }
        public sealed class DynamicImage { [Tensor("x", -1, 4)] public float[] X { get; set; } = new float[4]; }
        public sealed class FixedScores { [Tensor("y", 8, 3)] public float[] Y { get; set; } = []; }
        """, ModelM);

    [Fact]
    public Task MK3006_required_input_never_supplied() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores {|MK3006:Predict|}(Image image);
            Scores PredictMasked(Image image, [Tensor("mask", 1, 4)] bool[] mask);
        }
        """, Signatures.Hand("m", "input\tx\ttensor\tfloat\t1,4", "input\tmask\ttensor\tbool\t1,4", "output\ty\ttensor\tfloat\t?N,3"));

    [Fact]
    public Task MK3007_signature_cannot_be_read() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface {|MK3007:IScorer|}
        {
            Scores Predict(Image image);
        }
        """, "modelkit-signature\t99\nmodel\tm\n");

    [Fact]
    public Task MK3008_model_cannot_be_scaffolded() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface {|MK3008:IScorer|}
        {
        }
        """, Signatures.Hand("m", "input\tx\ttensor\tfloat\t1,4", "output\tspectrum\ttensor\tcomplex64\t?N,3"));

    [Fact]
    public Task MK3010_binary_tensor_against_an_onnx_string_tensor() => VerifyWithModel("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image image, [Tensor("text", -1)] ReadOnlyMemory<byte>[] {|MK3010:text|});
            [return: Tensor("label", -1)] {|MK3010:ModelTensor<ReadOnlyMemory<byte>>|} Label(Image image, [Tensor("text", -1)] string[] text);
            [return: Tensor("y")] float[] PredictBytes(Image image, [Tensor("text", -1)] ReadOnlyMemory<byte>[] {|MK3010:text|});
            [return: Tensor("y")] float[] PredictFloats([Tensor("x", 1, 4)] ReadOnlyMemory<byte>[] {|MK3003:x|}, [Tensor("text", -1)] string[] text);
        }
        """, Signatures.Hand("m", "input\tx\ttensor\tfloat\t1,4", "input\ttext\ttensor\tstring\t?N", "output\ty\ttensor\tfloat\t?N,3", "output\tlabel\ttensor\tstring\t?N"));

    [Fact]
    public void A_binary_member_against_an_onnx_string_tensor_says_why_and_what_to_declare()
    {
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                [return: Tensor("y")] float[] Predict(Image image, [Tensor("text", -1)] ReadOnlyMemory<byte>[] text);
            }
            """)]);
        var (_, diagnostics, _) = GeneratorRunner.Run(compilation, Signatures.Text("m", Signatures.Hand("m", "input\tx\ttensor\tfloat\t1,4", "input\ttext\ttensor\tstring\t?N", "output\ty\ttensor\tfloat\t?N,3")));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(
            "MK3010: 'parameter 'text'' is a binary tensor (ReadOnlyMemory<byte> elements), but input 'text' of model 'm' is an ONNX string tensor, which holds UTF-8 text: ONNX has no bytes type and ONNX Runtime cannot run binary elements; declare string elements (string[]), or call a served model whose BYTES input takes binary elements",
            diagnostic.Id + ": " + diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_contract_whose_model_is_not_listed_is_generated_without_checks()
    {
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("other")]
            public partial interface IScorer
            {
                [return: Tensor("nope")] float[] Predict([Tensor("wrong", 9)] long[] pixels);
            }
            """)]);
        var (output, diagnostics, result) = GeneratorRunner.Run(compilation, Signatures.Text("m", ModelM));
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output));
        Assert.Single(Assert.Single(result.Results).GeneratedSources);
    }

    [Fact]
    public void Messages_name_the_member_the_model_and_the_closest_real_names()
    {
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitOut Predict(DigitIn image);
            }

            public sealed class DigitIn { [Tensor("input3", 1, 1, 28, 28)] public long[] Pixels { get; set; } = new long[784]; }
            public sealed class DigitOut { [Tensor("Plus214_Output")] public float[] Logits { get; set; } = []; }
            """)]);
        var (_, diagnostics, _) = GeneratorRunner.Run(compilation, Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist")));
        var messages = diagnostics.OrderBy(static d => d.Id, StringComparer.Ordinal).Select(static d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(
            [
                "MK3001: 'DigitIn.Pixels' maps to input 'input3', which model 'mnist' does not have; did you mean 'Input3'?",
                "MK3002: 'DigitOut.Logits' reads output 'Plus214_Output', which model 'mnist' does not have; did you mean 'Plus214_Output_0'?",
                "MK3006: Method 'IDigits.Predict' never supplies input 'Input3' of model 'mnist' (float [1,1,28,28]); add a [Tensor(\"Input3\")] member of element type float",
            ],
            messages);
        Assert.All(diagnostics, static d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void An_element_type_mismatch_names_both_types_and_the_fix()
    {
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("mnist")]
            public partial interface IDigits
            {
                DigitOut Predict(DigitIn image);
            }

            public sealed class DigitIn { [Tensor("Input3", 1, 1, 28, 28)] public long[] Pixels { get; set; } = new long[784]; }
            public sealed class DigitOut { [Tensor("Plus214_Output_0", 1, 12)] public float[] Logits { get; set; } = []; }
            """)]);
        var (_, diagnostics, _) = GeneratorRunner.Run(compilation, Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist")));
        Assert.Equal(
            [
                "MK3003: 'DigitIn.Pixels' has element type 'long', but input 'Input3' of model 'mnist' is float; use float",
                "MK3005: 'DigitOut.Logits' declares dimension 1 as 12, but output 'Plus214_Output_0' of model 'mnist' has shape [1,10], where it is 10",
            ],
            diagnostics.OrderBy(static d => d.Id, StringComparer.Ordinal).Select(static d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static Task VerifyWithModel(string source, string signature)
    {
        var test = GeneratorTest.ForSource(Source(source)).DiagnosticsOnly();
        test.TestState.AdditionalFiles.Add((Signatures.PathOf("m"), signature));
        return test.RunAsync();
    }
}
