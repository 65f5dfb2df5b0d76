using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelKit.Generators.Tests;

/// <summary>The diagnostics added for issue 15 (the cases themselves are in <see cref="RobustnessTests"/>).</summary>
public sealed partial class DiagnosticTests
{
    [Fact]
    public void MK1014_language_version_below_11()
    {
        var compilation = TestReferences.CreateCompilation(["""
            using ModelKit;

            [ModelContract("m")]
            public partial interface IScorer { Scores Predict(Image image); }

            public sealed class Image { [Tensor("x", 1, 4)] public float[] X { get; set; } = new float[4]; }
            public sealed class Scores { [Tensor("y")] public float[] Y { get; set; } = new float[0]; }
            """], parseOptions: TestReferences.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp10));
        var (output, diagnostics, result) = GeneratorRunner.Run(compilation);
        Assert.Equal("MK1014", Assert.Single(diagnostics).Id);
        Assert.Empty(Assert.Single(result.Results).GeneratedSources);
        Assert.Empty(TestReferences.Problems(output)); // before: CS8703 ×3 inside the generated file

        // C# 11, the minimum, generates and compiles.
        var (output11, diagnostics11, _) = GeneratorRunner.Run(compilation.WithOptions(compilation.Options).RemoveAllSyntaxTrees()
            .AddSyntaxTrees(compilation.SyntaxTrees.Select(static t => t.WithRootAndOptions(t.GetRoot(), TestReferences.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp11)))));
        Assert.Empty(diagnostics11);
        Assert.Empty(TestReferences.Problems(output11));
    }

    [Fact]
    public Task MK1015_contract_file_local() => Verify("""
        [ModelContract("m")]
        file partial interface {|MK1015:IScorer|}
        {
            Scores Predict(Image image);
        }
        """);

    [Fact]
    public Task MK1016_member_hides_contract_member() => GeneratorTest.ForSource(Source("""
        [ModelContract("m")]
        public partial interface IScorer
        {
            Scores {|MK1016:{|CS0108:Descriptor|}|}(Image image);
            new Scores CreateClient(ModelKit.IInferenceBackend backend) => throw new NotSupportedException(); // declared new: no MK1016
            int {|MK1016:{|CS0108:AddBackends|}|}(ModelKit.ModelKitBuilder builder) => 0;
        }
        """)).DiagnosticsOnly().RunAsync();

    [Fact]
    public Task MK3009_empty_contract_of_unlisted_model() => Verify("""
        [ModelContract("m")]
        public partial interface {|MK3009:IScorer|};
        """);
}
