namespace ModelKit.Generators.Tests;

/// <summary>
/// One test per diagnostic: the markup <c>{|MKnnnn:text|}</c> shows where it lands. Generated code of contracts with errors
/// (a client whose broken methods throw) is compiled too, and must add no error of its own.
/// </summary>
public sealed partial class DiagnosticTests
{
    private const string Types = """

        public sealed class Image { [Tensor("x", 1, 4)] public float[] X { get; set; } = new float[4]; }
        public sealed class Scores { [Tensor("y")] public float[] Y { get; set; } = []; }
        """;

    [Fact]
    public Task MK1001_contract_not_partial() => Verify("""
        [ModelContract("m")]
        public interface {|MK1001:IScorer|}
        {
            Scores Predict(Image image);
        }
        """);

    [Fact]
    public Task MK1002_model_name_empty() => Verify("""
        [{|MK1002:ModelContract("")|}]
        public partial interface IScorer
        {
            Scores Predict(Image image);
        }

        [{|MK1002:ModelContract(" ")|}]
        public partial interface IBlankScorer
        {
            Scores Predict(Image image);
        }
        """);

    [Fact]
    public Task MK1003_contract_nested() => Verify("""
        public static partial class Outer
        {
            [ModelContract("m")]
            public partial interface {|MK1003:IScorer|}
            {
                Scores Predict(Image image);
            }
        }
        """);

    [Fact]
    public Task MK1004_contract_generic() => Verify("""
        [ModelContract("m")]
        public partial interface {|MK1004:IScorer|}<T>
        {
            Scores Predict(Image image);
        }
        """);

    [Fact]
    public Task MK1005_unsupported_contract_member() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image image);
            float {|MK1005:Threshold|} { get; }
            event EventHandler {|MK1005:Predicted|};
            static abstract IScorer {|MK1005:Create|}();
            float this[int index] => index; // a default implementation is the user's own code
            string Describe() => "scorer";
        }
        """);

    [Fact]
    public Task MK1006_generic_method() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores {|MK1006:Predict|}<T>(Image image);
        }
        """);

    [Fact]
    public Task MK1007_async_method_without_cancellation_token() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            ValueTask<Scores> {|MK1007:PredictAsync|}(Image image);
            Task<Scores> {|MK1007:PredictTaskAsync|}(Image image);
            ValueTask<Scores> PredictWithTokenAsync(Image image, CancellationToken cancellationToken);
        }
        """);

    [Fact]
    public Task MK1008_unsupported_return_type() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            {|MK1008:List<Scores>|} Predict(Image image);
            {|MK1008:object|} PredictObject(Image image);
            ValueTask<{|MK1008:Scores?|}> PredictNullableAsync(Image image, CancellationToken cancellationToken);
            {|MK1008:ref Scores|} PredictRef(Image image);
        }
        """.Replace("ValueTask<{|MK1008:Scores?|}>", "{|MK1008:ValueTask<int?>|}", StringComparison.Ordinal));

    [Fact]
    public Task MK1009_unsupported_parameter() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(ref Image {|MK1009:image|});
            Scores PredictOptions(Image image, object {|MK1009:options|});
            Scores PredictTwice(Image image, CancellationToken first, CancellationToken {|MK1009:second|});
            void PredictInto(Image image, [Output] IList<float> {|MK1009:scores|});
        }
        """);

    [Fact]
    public Task MK1010_method_reads_no_outputs() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            void {|MK1010:Warmup|}(Image image);
            ValueTask {|MK1010:WarmupAsync|}(Image image, CancellationToken cancellationToken);
        }
        """);

    [Fact]
    public Task MK1011_client_name_taken() => Verify("""
        [ModelContract("m")]
        public partial interface {|MK1011:IScorer|}
        {
            Scores Predict(Image image);
        }

        public sealed class ScorerModelClient { }

        [ModelContract("m")]
        public partial interface {|MK1011:IRanker|}
        {
            Scores Rank(Image image);
        }

        [ModelContract("m2")]
        public partial interface {|MK1011:Ranker|}
        {
            Scores Rank(Image image);
        }
        """);

    [Fact]
    public Task MK1012_inherited_members() => Verify("""
        public interface IWarmable
        {
            void Warmup();
        }

        [ModelContract("m")]
        public partial interface {|MK1012:IScorer|} : IWarmable
        {
            Scores Predict(Image image);
        }
        """);

    [Fact]
    public Task MK1013_unsupported_batch_method() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores[] {|MK1013:PredictBatch|}(IReadOnlyList<Image> images, [Tensor("z")] float[] extra);
            Scores {|MK1013:PredictMany|}(Image[] images);
            IReadOnlyList<Scores> {|MK1013:Fan|}(Image image);
            Scores[] PredictBatchOk(IReadOnlyList<Image> images);
        }
        """);

    [Fact]
    public Task MK2001_type_without_tensor_members() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Plain {|MK2001:image|});
            {|MK2001:Plain|} PredictPlain(Image image);
            void PredictInto(Image image, [Output] Plain {|MK2001:scores|});
        }

        public sealed class Plain { public float[] Values { get; set; } = []; }
        """);

    [Fact]
    public Task MK2002_tensor_name_missing() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Image image);
            [return: Tensor("y")] float[] PredictRaw(ReadOnlyMemory<float> {|MK2002:unknown|});
            {|MK2002:float[]|} PredictBare([Tensor("x")] float[] x);
            [return: Tensor("y")] float[] PredictInferred(ReadOnlyMemory<float> x);
        }
        """);

    [Fact]
    public Task MK2003_unsupported_tensor_member() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Odd odd);
            Scores PredictDecimal([Tensor("x")] decimal[] {|MK2003:x|});
            [return: Tensor("y")] {|MK2003:List<float>|} PredictList(Image image);
            Scores PredictImage([Tensor("x")] Image {|MK2003:image|});
        }

        public sealed class Odd
        {
            [Tensor("a")] public decimal[] {|MK2003:A|} { get; set; } = [];
            [Tensor("b")] public List<float> {|MK2003:B|} { get; set; } = [];
            [Tensor("c")] public float[,] {|MK2003:C|} { get; set; } = new float[1, 1];
            [Tensor("d")] public static float[] {|MK2003:D|} { get; set; } = [];
            [Tensor("e")] public char {|MK2003:E|} { get; set; }
            [Tensor("f")] public byte[][] {|MK2003:F|} { get; set; } = [];
            [Tensor("g")] public ReadOnlyMemory<byte>[,] {|MK2003:G|} { get; set; } = new ReadOnlyMemory<byte>[1, 1];
            [Tensor("h")] public ReadOnlyMemory<sbyte>[] {|MK2003:H|} { get; set; } = [];
        }
        """);

    [Fact]
    public void A_jagged_byte_array_is_told_to_use_binary_elements()
    {
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                [return: Tensor("y")] float[] Predict([Tensor("x")] byte[][] images);
            }
            """)]);
        var (_, diagnostics, _) = GeneratorRunner.Run(compilation);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MK2003", diagnostic.Id);
        Assert.Contains("binary (BYTES) elements are ReadOnlyMemory<byte>: declare ReadOnlyMemory<byte>[] or ModelKit.ModelTensor<ReadOnlyMemory<byte>>",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public Task MK2004_tensor_mapped_twice() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Twice twice);
            Scores PredictTwo(Image image, [Tensor("x")] float[] {|MK2004:again|});
            [return: Tensor("y")] float[] PredictInto(Image image, [Output, Tensor("y")] float[] {|MK2004:y|});
        }

        public sealed class Twice
        {
            [Tensor("x")] public float[] First { get; set; } = [];
            [Tensor("x")] public float[] {|MK2004:Second|} { get; set; } = [];
        }
        """.Replace("[return: Tensor(\"y\")] float[] PredictInto(Image image, [Output, Tensor(\"y\")] float[] {|MK2004:y|});",
                    "[return: Tensor(\"y\")] {|MK2004:float[]|} PredictInto(Image image, [Output, Tensor(\"y\")] float[] y);", StringComparison.Ordinal));

    [Fact]
    public Task MK2005_tensor_name_empty() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Unnamed input);
            Scores PredictRaw([{|MK2005:Tensor(" ")|}] float[] x);
        }

        public sealed class Unnamed { [{|MK2005:Tensor("")|}] public float[] X { get; set; } = []; }
        """);

    [Fact]
    public Task MK2006_invalid_shape() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(BadShape input);
            Scores PredictDynamic(TwoDynamic input);
        }

        public sealed class BadShape { [{|MK2006:Tensor("x", 1, -2, 4)|}] public float[] X { get; set; } = []; }
        public sealed class TwoDynamic { [Tensor("x", -1, -1)] public float[] X { get; set; } = []; }
        """);

    [Fact]
    public Task MK2007_scalar_with_several_elements() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores Predict(Options options);
            Scores PredictLimit(Image image, [{|MK2007:Tensor("limit", 0)|}] long limit);
        }

        public sealed class Options
        {
            [Tensor("x", 1, 4)] public float[] X { get; set; } = new float[4];
            [{|MK2007:Tensor("threshold", 2)|}] public float Threshold { get; set; }
            [Tensor("temperature", 1, 1)] public float Temperature { get; set; }
            [Tensor("top_k", -1)] public long TopK { get; set; }
        }
        """);

    [Fact]
    public Task MK2008_output_type_cannot_be_created() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            {|MK2008:WithConstructor|} Predict(Image image);
            {|MK2008:WithRequired|} PredictRequired(Image image);
            {|MK2008:AbstractScores|} PredictAbstract(Image image);
            ValueTask<{|MK2008:WithConstructor|}> PredictAsync(Image image, CancellationToken cancellationToken);
            PlainStruct PredictStruct(Image image);
        }

        public sealed class WithConstructor(int size) { [Tensor("y")] public float[] Y { get; set; } = new float[size]; }
        public sealed class WithRequired { [Tensor("y")] public required float[] Y { get; set; } }
        public abstract class AbstractScores { [Tensor("y")] public float[] Y { get; set; } = []; }
        public struct PlainStruct { [Tensor("y")] public float[] Y { get; set; } }
        """.Replace("ValueTask<{|MK2008:WithConstructor|}>", "{|MK2008:ValueTask<WithConstructor>|}", StringComparison.Ordinal));

    [Fact]
    public Task MK2009_output_member_not_settable() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            ReadOnlyScores Predict(Image image);
            void PredictInto(Image image, [Output] ReadOnlyScores scores);
        }

        public sealed class ReadOnlyScores
        {
            [Tensor("y")] public float[] {|MK2009:Y|} { get; } = new float[4];
            [Tensor("z")] public float[] {|MK2009:Z|} { get; init; } = new float[4];
            [Tensor("w")] public readonly float[] {|MK2009:W|} = new float[4];
        }
        """);

    [Fact]
    public Task MK2010_member_not_accessible() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            HiddenScores Predict(HiddenImage image);
        }

        public sealed class HiddenImage
        {
            [Tensor("x")] private float[] {|MK2010:X|} { get; set; } = [];
            [Tensor("x2")] public float[] {|MK2010:X2|} { private get; set; } = [];
        }

        public sealed class HiddenScores
        {
            [Tensor("y")] public float[] {|MK2010:Y|} { get; private set; } = [];
            [Tensor("z")] internal float[] Z { get; set; } = [];
        }
        """);

    [Fact]
    public Task MK2011_unsupported_output_destination() => Verify("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            void Predict(Image image, [Output, Tensor("y")] ReadOnlyMemory<float> {|MK2011:y|});
            void PredictScalar(Image image, [Output, Tensor("y")] float {|MK2011:y|});
            void PredictInto(Image image, [Output] Destinations destinations);
        }

        public sealed class Destinations
        {
            [Tensor("y")] public ReadOnlyMemory<float> {|MK2011:Y|} { get; set; }
            [Tensor("z")] public ModelTensor<float>? {|MK2011:Z|} { get; set; }
        }
        """);

    [Fact]
    public void Unknown_types_are_left_to_the_compiler()
    {
        // A type that does not resolve is the compiler's error (CS0246): no MK diagnostic piles on while the user types,
        // and the other operations are still generated.
        var compilation = TestReferences.CreateCompilation([Source("""
            [ModelContract("m")]
            public partial interface IScorer
            {
                Scores Predict(Image image);
                Scores PredictMissing(Missing image);
            }
            """)]);
        var (output, diagnostics, _) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.All(TestReferences.Problems(output), static d => Assert.Equal("CS0246", d.Id));
        Assert.NotNull(output.GetTypeByMetadataName("ScorerModelClient")?.GetMembers("Predict").SingleOrDefault());
    }

    [Fact]
    public void Every_diagnostic_has_a_test()
    {
        var tested = typeof(DiagnosticTests).GetMethods().Select(static m => m.Name.Split('_')[0]).ToHashSet(StringComparer.Ordinal);
        Assert.All(Diagnostics.DiagnosticDescriptors.All.Keys, id => Assert.Contains(id, tested));
    }

    private static Task Verify(string source) => GeneratorTest.ForSource(Source(source)).DiagnosticsOnly().RunAsync();

    private static string Source(string contract) => "using ModelKit;\n\n" + contract + "\n" + Types;
}
