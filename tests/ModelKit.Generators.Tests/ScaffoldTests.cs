using Microsoft.CodeAnalysis;
using ModelKit.Build;
using ModelKit.Generators.Emitting;
using ModelKit.Generators.Parsing;
using ModelKit.Generators.Scaffolding;
using ModelKit.OnnxFormat;

namespace ModelKit.Generators.Tests;

/// <summary>
/// An empty contract of a listed model is scaffolded from the model's signature: input and output types named after the
/// contract, Predict/PredictAsync/PredictBatch, and the client for them. The same declarations are what
/// <c>modelkit scaffold</c> prints, and the client generated from that printed source is the scaffolded client.
/// </summary>
public sealed class ScaffoldTests
{
    /// <summary>A stateful model with several inputs and outputs, symbolic and fixed dimensions, a scalar, and names that collide as identifiers.</summary>
    public static string MultiInputOutputSignature()
    {
        var model = new OnnxGraphBuilder("tracker")
            .AddInput("input.1", OnnxDataType.Float, [-1, 3], ["batch", null])
            .AddInput("state", OnnxDataType.Float, [2, 1, 4])
            .AddInput("sr", OnnxDataType.Int64, [])
            .AddOutput("out-put", OnnxDataType.Float, [-1, 3], ["batch", null])
            .AddOutput("out_put", OnnxDataType.Float, [-1, 3], ["batch", null])
            .AddOutput("stateN", OnnxDataType.Float, [2, 1, 4])
            .AddOutput("TrackerOutput", OnnxDataType.Bool, [1])
            .AddNode("Identity", ["input.1"], ["out-put"])
            .AddNode("Identity", ["input.1"], ["out_put"])
            .AddNode("Identity", ["state"], ["stateN"])
            .AddNode("Constant", [], ["TrackerOutput"]);
        return SignatureSidecar.Format("tracker", "models/tracker.onnx", OnnxSignatureReader.Read(model.ToBytes()));
    }

    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "Mnist", "mnist", "IMnist", "mnist.onnx" },
        { "UltraFace", "ultraface", "IFaceDetector", "ultraface-rfb-320.onnx" },
        { "MultiInputOutput", "tracker", "ITracker", "" },
    };

    private static string SignatureFor(string model, string file) => file.Length == 0 ? MultiInputOutputSignature() : Signatures.Of(file, model);

    private static string EmptyContract(string model, string contract) => $$"""
        using ModelKit;

        namespace Scaffolded;

        [ModelContract("{{model}}")]
        public partial interface {{contract}};
        """;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_empty_contract_of_a_listed_model_is_scaffolded(string name, string model, string contract, string file)
    {
        string signature = SignatureFor(model, file);
        string source = EmptyContract(model, contract);
        string scaffoldSnapshot = "Scaffold." + name + ".g.cs";
        string clientSnapshot = "Scaffold." + name + ".Client.g.cs";
        if (Snapshots.Update)
        {
            var (_, _, result) = GeneratorRunner.Run(TestReferences.CreateCompilation([source]), Signatures.Text(model, signature));
            var generated = Assert.Single(result.Results).GeneratedSources;
            Snapshots.Write(scaffoldSnapshot, generated.Single(static s => s.HintName.EndsWith(".Scaffold.g.cs", StringComparison.Ordinal)).SourceText.ToString());
            Snapshots.Write(clientSnapshot, generated.Single(static s => s.HintName.EndsWith(".ModelKit.g.cs", StringComparison.Ordinal)).SourceText.ToString());
        }

        string expectedScaffold = Snapshots.Read(scaffoldSnapshot);
        string expectedClient = Snapshots.Read(clientSnapshot);
        Assert.False(expectedScaffold.Length == 0 || expectedClient.Length == 0, $"Snapshots of {name} are missing; run the tests with MODELKIT_UPDATE_SNAPSHOTS=1 and review them.");

        // Compiled as a user's project would compile it (warning level 9999, documentation comments checked).
        var test = GeneratorTest.ForSource(source)
            .Expect(HintNames.Scaffold("Scaffolded." + contract), expectedScaffold)
            .Expect(HintNames.Client("Scaffolded." + contract), expectedClient);
        test.TestState.AdditionalFiles.Add((Signatures.PathOf(model), signature));
        await test.RunAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_printed_contract_generates_the_scaffolded_client(string name, string model, string contract, string file)
    {
        _ = name;
        string signatureText = SignatureFor(model, file);
        var signature = SignatureParser.Parse(Signatures.PathOf(model), signatureText);
        string stem = ScaffoldEmitter.TypeStem(contract);
        string printed = ScaffoldEmitter.Emit(ScaffoldEmitter.Mode.Source, "Scaffolded", contract, "public", model, stem + "Input", stem + "Output", signature, "0.1.0");

        // The user's own copy (what `modelkit scaffold` prints), generated without the sidecar...
        var (owned, ownedDiagnostics, ownedResult) = GeneratorRunner.Run(TestReferences.CreateCompilation([printed]));
        Assert.Empty(ownedDiagnostics);
        Assert.Empty(TestReferences.Problems(owned));
        string ownedClient = Assert.Single(Assert.Single(ownedResult.Results).GeneratedSources).SourceText.ToString();

        // ...and with it (checked against the model: no MK3xxx)...
        var (_, checkedDiagnostics, _) = GeneratorRunner.Run(TestReferences.CreateCompilation([printed]), Signatures.Text(model, signatureText));
        Assert.Empty(checkedDiagnostics);

        // ...give the client the generator writes for the empty contract.
        var (scaffolded, diagnostics, result) = GeneratorRunner.Run(TestReferences.CreateCompilation([EmptyContract(model, contract)]), Signatures.Text(model, signatureText));
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(scaffolded));
        string client = Assert.Single(result.Results).GeneratedSources.Single(static s => s.HintName.EndsWith(".ModelKit.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Equal(ownedClient, client);
    }

    [Fact]
    public void Tensor_names_become_valid_distinct_identifiers()
    {
        Assert.Equal("Plus214Output0", ScaffoldEmitter.MemberName("Plus214_Output_0"));
        Assert.Equal("Input1", ScaffoldEmitter.MemberName("input.1"));
        Assert.Equal("T0Scores", ScaffoldEmitter.MemberName("0:scores"));
        Assert.Equal("Tensor", ScaffoldEmitter.MemberName("::"));
        Assert.Equal("Class", ScaffoldEmitter.MemberName("class"));

        string source = Snapshots.Read("Scaffold.MultiInputOutput.g.cs");
        Assert.Contains("public float[] OutPut { get; set; }", source, StringComparison.Ordinal);
        Assert.Contains("public float[] OutPut2 { get; set; }", source, StringComparison.Ordinal);
        Assert.Contains("public bool[] TrackerOutput2 { get; set; }", source, StringComparison.Ordinal); // not the type's own name
        Assert.Contains("/// <summary>Model input <c>input.1</c>: float, shape [batch,3].</summary>", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaffolded_type_names_avoid_the_users_types()
    {
        string source = EmptyContract("mnist", "IMnist") + "\npublic sealed class MnistInput;\n";
        var (output, diagnostics, result) = GeneratorRunner.Run(TestReferences.CreateCompilation([source]), Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist")));
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output));
        string scaffold = Assert.Single(result.Results).GeneratedSources.Single(static s => s.HintName.EndsWith(".Scaffold.g.cs", StringComparison.Ordinal)).SourceText.ToString();
        Assert.Contains("public sealed partial class MnistModelInput", scaffold, StringComparison.Ordinal);
        Assert.Contains("public sealed partial class MnistOutput", scaffold, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_contract_of_an_unlisted_model_is_not_scaffolded()
    {
        var (output, diagnostics, result) = GeneratorRunner.Run(TestReferences.CreateCompilation([EmptyContract("mnist", "IMnist")]), Signatures.Text("other", Signatures.Of("mnist.onnx", "other")));
        Assert.Equal("MK3009", Assert.Single(diagnostics).Id); // a warning that says the model is not listed (RobustnessTests)
        Assert.Empty(TestReferences.Problems(output));
        Assert.DoesNotContain("Predict", Assert.Single(Assert.Single(result.Results).GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }
}
