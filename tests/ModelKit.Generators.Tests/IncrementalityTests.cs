using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelKit.Generators.Emitting;

namespace ModelKit.Generators.Tests;

/// <summary>
/// The pipeline caches: edits that cannot change the generated code (an unrelated file, a comment in a contract) leave every
/// named step Cached or Unchanged and re-emit nothing; a change to a contract member is seen as Modified.
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly string[] StepNames =
    [
        ContractGenerator.Steps.ContractResults,
        ContractGenerator.Steps.ContractModels,
        ContractGenerator.Steps.Diagnostics,
        ContractGenerator.Steps.ReferencedBackends,
        ContractGenerator.Steps.ContractsWithBackends,
        ContractGenerator.Steps.ContractsToEmit,
        ContractGenerator.Steps.CheckedContracts,
        ContractGenerator.Steps.SignatureDiagnostics,
    ];

    private const string Unrelated = """
        namespace Samples;

        public static class Helpers
        {
            public static int Twice(int value) => value * 2;
        }
        """;

    [Fact]
    public void An_edit_in_an_unrelated_file_leaves_every_step_cached()
    {
        var (driver, compilation) = Start(Contracts.DigitClassifier, Unrelated);
        var edited = Replace(compilation, "Source2.cs", "value * 2", "value + value");

        var result = Rerun(driver, edited);

        AssertAllCached(result);
    }

    [Fact]
    public void A_comment_inside_a_contract_leaves_every_step_cached()
    {
        var (driver, compilation) = Start(Contracts.DigitClassifier, Unrelated);
        var edited = Replace(compilation, "Source1.cs", "public partial interface IDigitClassifier\n{", "public partial interface IDigitClassifier\n{\n    // The classifier of the mnist sample; a comment moves every member down a line.\n");

        var result = Rerun(driver, edited);

        // Every step but the transform and the checks' extraction, which keep member locations by design (so MK3xxx errors follow
        // the members): the client, the diagnostics and the checks' results are equal again, and nothing is re-emitted.
        AssertAllCached(result, ContractGenerator.Steps.ContractResults, ContractGenerator.Steps.ContractChecks);
        Assert.All(result.TrackedSteps[ContractGenerator.Steps.ContractChecks].SelectMany(static s => s.Outputs), static o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
    }

    [Fact]
    public void A_comment_inside_a_checked_contract_moves_nothing_but_the_checks()
    {
        var (driver, compilation) = Start([Contracts.DigitClassifier, Unrelated], Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist")));
        var edited = Replace(compilation, "Source1.cs", "public partial interface IDigitClassifier\n{", "public partial interface IDigitClassifier\n{\n    // a comment\n");

        var result = Rerun(driver, edited);

        // The checks see the members move (their errors would have to move with them), find nothing new, and stop there.
        AssertAllCached(result, ContractGenerator.Steps.ContractResults, ContractGenerator.Steps.ContractChecks, ContractGenerator.Steps.CheckedContracts);
        Assert.All(result.TrackedSteps[ContractGenerator.Steps.CheckedContracts].SelectMany(static s => s.Outputs), static o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
    }

    [Fact]
    public void Changing_a_model_signature_regenerates_only_that_contract()
    {
        const string scaffolded = """
            using ModelKit;

            namespace Samples.Scaffolded;

            [ModelContract("mnist")]
            public partial interface IMnist;

            [ModelContract("tracker")]
            public partial interface ITracker;
            """;
        var mnist = Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist"));
        var tracker = Signatures.Text("tracker", ScaffoldTests.MultiInputOutputSignature());
        var (driver, compilation) = Start([Contracts.DigitClassifier, scaffolded, Unrelated], mnist, tracker);
        Assert.Equal(5, driver.GetRunResult().Results.Single().GeneratedSources.Length); // two scaffolds, three clients
        Assert.Empty(driver.GetRunResult().Diagnostics);

        // The tracker model's state grows: its sidecar changes, mnist's does not.
        var changed = Signatures.Text("tracker", ScaffoldTests.MultiInputOutputSignature().Replace("2,1,4", "2,1,8", StringComparison.Ordinal));
        var result = driver.ReplaceAdditionalText(tracker, changed).RunGenerators(compilation).GetRunResult().Results.Single();

        var toEmit = result.TrackedSteps[ContractGenerator.Steps.ContractsToEmit].SelectMany(static s => s.Outputs).ToList();
        Assert.Equal(3, toEmit.Count);
        Assert.Single(toEmit, static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(2, toEmit.Count(static o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
        var checkedContracts = result.TrackedSteps[ContractGenerator.Steps.CheckedContracts].SelectMany(static s => s.Outputs).ToList();
        Assert.Single(checkedContracts, static o => o.Reason == IncrementalStepRunReason.Modified);
        var emitted = result.TrackedSteps[ContractGenerator.Steps.ContractsWithBackends].SelectMany(static s => s.Outputs).ToList();
        var modified = Assert.Single(emitted, static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal(2, emitted.Count(static o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.Contains("ITracker", modified.Value.ToString(), StringComparison.Ordinal);
        string scaffold = result.GeneratedSources.Single(static s => s.HintName == HintNames.Scaffold("Samples.Scaffolded.ITracker")).SourceText.ToString();
        Assert.Contains("[global::ModelKit.Tensor(\"state\", 2, 1, 8)]", scaffold, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_model_signature_rechecks_its_contract()
    {
        var mnist = Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist"));
        var (driver, compilation) = Start([Contracts.DigitClassifier, Unrelated], mnist);
        Assert.Empty(driver.GetRunResult().Diagnostics);

        var renamed = Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist").Replace("Input3", "pixels", StringComparison.Ordinal));
        var result = driver.ReplaceAdditionalText(mnist, renamed).RunGenerators(compilation).GetRunResult();

        Assert.Contains(result.Diagnostics, static d => d.Id == "MK3001");
        Assert.Contains(result.Diagnostics, static d => d.Id == "MK3006");
        var emitted = result.Results.Single().TrackedSteps[ContractGenerator.Steps.ContractsWithBackends].SelectMany(static s => s.Outputs);
        Assert.All(emitted, static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason)); // the client itself does not change
    }

    [Fact]
    public void Adding_an_unrelated_type_to_a_contract_file_leaves_every_step_cached()
    {
        var (driver, compilation) = Start(Contracts.DigitClassifier, Unrelated);
        var edited = Replace(compilation, "Source1.cs", "namespace Samples;\n", "namespace Samples;\n\ninternal sealed record Unused(int Value);\n");

        var result = Rerun(driver, edited);

        AssertAllCached(result, ContractGenerator.Steps.ContractResults, ContractGenerator.Steps.ContractChecks);
    }

    [Fact]
    public void Changing_a_contract_member_regenerates_the_contract()
    {
        var (driver, compilation) = Start(Contracts.DigitClassifier, Unrelated);
        var edited = Replace(compilation, "Source1.cs", "DigitScores[] PredictBatch(", "IReadOnlyList<DigitScores> PredictBatch(");

        var result = Rerun(driver, edited);

        Assert.Contains(result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(result.TrackedSteps[ContractGenerator.Steps.ContractsWithBackends].SelectMany(static s => s.Outputs), static o => Assert.Equal(IncrementalStepRunReason.Modified, o.Reason));
        Assert.Contains(result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("IReadOnlyList<global::Samples.DigitScores> PredictBatch(", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_tensor_member_in_another_file_regenerates_the_contract()
    {
        const string contract = """
            using ModelKit;

            namespace Samples;

            [ModelContract("mnist")]
            public partial interface IDigitClassifier
            {
                DigitScores Predict(DigitImage image);
            }
            """;
        const string types = """
            using ModelKit;

            namespace Samples;

            public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
            public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
            """;
        var (driver, compilation) = Start(contract, types);
        var edited = Replace(compilation, "Source2.cs", "\"Input3\", 1, 1, 28, 28", "\"Input3\", -1, 1, 28, 28");

        var result = Rerun(driver, edited);

        Assert.Contains(result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("new long[] { -1L, 1L, 28L, 28L }", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unrelated_edit_leaves_a_binary_contract_cached()
    {
        var (driver, compilation) = Start(Contracts.BinaryTensors, Unrelated);
        var edited = Replace(compilation, "Source2.cs", "value * 2", "value + value");

        var result = Rerun(driver, edited);

        AssertAllCached(result);
    }

    [Fact]
    public void Changing_a_byte_tensor_to_binary_elements_regenerates_the_contract()
    {
        const string contract = """
            using ModelKit;

            namespace Samples;

            [ModelContract("ocr")]
            public partial interface IReader
            {
                [return: Tensor("lines", -1)] string[] Read([Tensor("image", -1)] byte[] image);
            }
            """;
        var (driver, compilation) = Start(contract, Unrelated);
        var edited = Replace(compilation, "Source1.cs", "byte[] image", "ReadOnlyMemory<byte>[] image");

        var result = Rerun(driver, edited);

        Assert.Contains(result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Contains("global::ModelKit.TensorElementType.Binary", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("global::ModelKit.TensorElementType.UInt8", generated, StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_one_contract_leaves_the_other_contract_cached()
    {
        var (driver, compilation) = Start(Contracts.DigitClassifier, Contracts.MnistRaw);
        var edited = Replace(compilation, "Source2.cs", "float[] Predict(", "float[] Classify(");

        var result = Rerun(driver, edited);

        var models = result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs).ToList();
        Assert.Contains(models, static o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(models, static o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        var emitted = result.TrackedSteps[ContractGenerator.Steps.ContractsWithBackends].SelectMany(static s => s.Outputs).ToList();
        Assert.Equal(2, emitted.Count);
        Assert.Single(emitted, static o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Single(emitted, static o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Moving_a_contract_with_errors_moves_its_diagnostics_but_keeps_its_code()
    {
        var (driver, compilation) = Start(System.Text.RegularExpressions.Regex.Replace(Contracts.WithErrors, @"\{\|MK\d{4}:(.*?)\|\}", "$1"));
        var edited = Replace(compilation, "Source1.cs", "namespace Samples.Broken;\n", "namespace Samples.Broken;\n\n// moved down\n");

        var result = Rerun(driver, edited);

        Assert.All(result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs), static o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.Contains(result.TrackedSteps[ContractGenerator.Steps.Diagnostics].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MK1007", diagnostic.Id);
        Assert.Equal(14, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    private const string StepContract = """
        using ModelKit;

        namespace Samples.Text;

        [ModelContract("minilm")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            ReadOnlyMemory<float> Embed(string text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            ValueTask<float[][]> EmbedBatchAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken);
        }
        """;

    private const string StepTypes = """
        using ModelKit.Processing;

        namespace Samples.Text;

        public sealed class Tokens : IPreprocessor<string>
        {
            public IReadOnlyList<StepTensor> Tensors => [];
            public void Preprocess(string input, ProcessingContext context) => context.ItemCount = input.Length;
        }

        public sealed class Pooling : IPostprocessor<float[]>, IPostprocessor<ReadOnlyMemory<float>>
        {
            public IReadOnlyList<StepTensor> Tensors => [];
            public float[] Postprocess(ProcessingContext context) => [];
            ReadOnlyMemory<float> IPostprocessor<ReadOnlyMemory<float>>.Postprocess(ProcessingContext context) => default;
        }
        """;

    [Fact]
    public void Editing_a_step_body_leaves_the_contract_with_steps_cached()
    {
        var (driver, compilation) = Start(StepContract, StepTypes, Unrelated);
        Assert.Empty(driver.GetRunResult().Diagnostics);
        var edited = Replace(compilation, "Source2.cs", "context.ItemCount = input.Length", "context.ItemCount = input.Length + 1");

        var result = Rerun(driver, edited);

        AssertAllCached(result);
    }

    [Fact]
    public void A_step_that_stops_fitting_in_another_file_regenerates_the_contract_and_reports_it()
    {
        var (driver, compilation) = Start(StepContract, StepTypes, Unrelated);
        var edited = Replace(compilation, "Source2.cs", "IPostprocessor<float[]>, IPostprocessor<ReadOnlyMemory<float>>", "IPostprocessor<float[]>");
        edited = Replace(edited, "Source2.cs", "ReadOnlyMemory<float> IPostprocessor<ReadOnlyMemory<float>>.Postprocess(ProcessingContext context) => default;", string.Empty);

        var result = Rerun(driver, edited);

        Assert.Contains(result.TrackedSteps[ContractGenerator.Steps.ContractModels].SelectMany(static s => s.Outputs), static o => o.Reason == IncrementalStepRunReason.Modified);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MK4003", diagnostic.Id);
        Assert.Contains("Pooling implements IPostprocessor<float[]>, but the method returns 'ReadOnlyMemory<float>'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("NotSupportedException", Assert.Single(result.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) Start(params string[] sources) => Start(sources, []);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) Start(string[] sources, params AdditionalText[] additionalTexts)
    {
        var compilation = TestReferences.CreateCompilation(sources);
        var driver = GeneratorRunner.CreateDriver(additionalTexts: additionalTexts).RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        foreach (string name in StepNames)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), $"step '{name}' is not tracked");
        }

        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(GeneratorDriver driver, Compilation compilation) =>
        driver.RunGenerators(compilation).GetRunResult().Results.Single();

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        string text = tree.GetText().ToString();
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        var newTree = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text.Replace(oldText, newText, StringComparison.Ordinal)));
        return compilation.ReplaceSyntaxTree(tree, newTree);
    }

    /// <summary>Every named step but <paramref name="moving"/> (steps that keep source locations) is Cached or Unchanged; nothing is re-emitted.</summary>
    private static void AssertAllCached(GeneratorRunResult result, params string[] moving)
    {
        foreach (string name in StepNames.Except(moving))
        {
            var outputs = result.TrackedSteps[name].SelectMany(static s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step '{name}' was {o.Reason}"));
        }

        var sourceOutputs = result.TrackedOutputSteps.SelectMany(static s => s.Value).SelectMany(static s => s.Outputs).ToList();
        Assert.NotEmpty(sourceOutputs);
        Assert.All(sourceOutputs, static o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }
}
