using ModelKit.Generators.Emitting;

namespace ModelKit.Generators.Tests;

/// <summary>The generated source of each contract, compared exactly with its snapshot, and compiled with every warning as an error.</summary>
public sealed class SnapshotTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "DigitClassifier", Contracts.DigitClassifier, HintNames.Client("Samples.IDigitClassifier") },
        { "MnistRaw", Contracts.MnistRaw, HintNames.Client("Samples.Raw.IMnistRaw") },
        { "MultiInputOutput", Contracts.MultiInputOutput, HintNames.Client("Speech.Vad.IVoiceActivity") },
        { "ShapedTensors", Contracts.ShapedTensors, HintNames.Client("Vision.IFaceDetector") },
        { "ScalarsAndStrings", Contracts.ScalarsAndStrings, HintNames.Client("ITextScorer") },
        { "BinaryTensors", Contracts.BinaryTensors, HintNames.Client("Vision.Ocr.IPageReader") },
        { "OutputParameters", Contracts.OutputParameters, HintNames.Client("Samples.Outputs.IDigitInto") },
        { "Processing", Contracts.Processing, HintNames.Client("Samples.Digits.IDigitReader") },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Generates_the_snapshot(string name, string source, string hintName)
    {
        string snapshot = name + ".g.cs";
        if (Snapshots.Update)
        {
            Snapshots.Write(snapshot, GeneratorRunner.GenerateSingle(source));
        }

        string expected = Snapshots.Read(snapshot);
        Assert.False(expected.Length == 0, $"Snapshot {Snapshots.PathOf(snapshot)} is missing; run the tests with MODELKIT_UPDATE_SNAPSHOTS=1 and review it.");
        await GeneratorTest.ForSource(source).Expect(hintName, expected).RunAsync();
    }

    [Fact]
    public async Task A_method_with_errors_becomes_a_throwing_stub_and_the_rest_is_generated()
    {
        const string snapshot = "WithErrors.g.cs";
        if (Snapshots.Update)
        {
            string plain = System.Text.RegularExpressions.Regex.Replace(Contracts.WithErrors, @"\{\|MK\d{4}:(.*?)\|\}", "$1");
            var (_, _, result) = GeneratorRunner.Run(TestReferences.CreateCompilation([plain]));
            Snapshots.Write(snapshot, Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString());
        }

        string expected = Snapshots.Read(snapshot);
        Assert.Contains("throw new global::System.NotSupportedException", expected, StringComparison.Ordinal);
        await GeneratorTest.ForSource(Contracts.WithErrors).Expect(HintNames.Client("Samples.Broken.IPartlyBroken"), expected).RunAsync();
    }

    [Fact]
    public void The_reference_contract_generates_the_reference_client()
    {
        // docs/reference-generated-client.cs.txt is the hand-written, measured client the generator must reproduce.
        string generated = GeneratorRunner.GenerateSingle(Contracts.DigitClassifier);
        Assert.Equal(Contracts.DigitClassifierClient.ReplaceLineEndings("\n"), generated);
    }

    [Fact]
    public void Output_does_not_depend_on_the_current_culture()
    {
        // sv-SE writes negative numbers with U+2212; ar-SA has its own digits and separators. Shapes must stay C# literals.
        var original = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            foreach (string culture in new[] { "sv-SE", "ar-SA", "tr-TR" })
            {
                System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo(culture);
                Assert.Equal(Snapshots.Read("MultiInputOutput.g.cs"), GeneratorRunner.GenerateSingle(Contracts.MultiInputOutput));
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void Without_ModelKit_Onnx_the_client_registers_no_backend()
    {
        var compilation = TestReferences.CreateCompilation([Contracts.MnistRaw], TestReferences.ModelKitWithoutOnnx);
        var (output, diagnostics, result) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        string generated = Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString();
        Assert.DoesNotContain("OnnxRuntimeBackendProvider", generated, StringComparison.Ordinal);
        Assert.Contains("OnnxRuntimeBackendProvider", GeneratorRunner.GenerateSingle(Contracts.MnistRaw), StringComparison.Ordinal);
        Assert.Empty(TestReferences.Problems(output));
    }

    [Fact]
    public void A_remote_backend_in_the_compilation_is_registered()
    {
        const string remote = """
            namespace ModelKit.Remote;

            public static class RemoteBackendProvider
            {
                public static void Register(global::ModelKit.ModelKitBuilder builder) { }
            }
            """;
        var compilation = TestReferences.CreateCompilation([Contracts.MnistRaw, remote]);
        var (output, diagnostics, result) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        string generated = Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString();
        Assert.Contains(
            "global::ModelKit.Onnx.OnnxRuntimeBackendProvider.Register(builder);\n            global::ModelKit.Remote.RemoteBackendProvider.Register(builder);",
            generated,
            StringComparison.Ordinal);
        Assert.Empty(TestReferences.Problems(output));
    }
}
