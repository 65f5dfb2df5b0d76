using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelKit.Generators;

namespace ModelKit.Benchmarks;

/// <summary>
/// ModelKit's source generator on 200 contracts (each with sync, async, batch and into-memory methods): a full run of a fresh
/// driver (a clean build), the same with every contract checked against a listed model's signature, and the incremental run
/// after an edit in an unrelated file (typing in the IDE). Target: the full run in at most 100 ms after warm-up.
/// <code>dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*GeneratorBenchmarks*'</code>
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const int Contracts = 200;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private AdditionalText[] _signatures = [];
    private GeneratorDriver _warm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(static path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Append(typeof(ModelContractAttribute).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList();
        _compilation = CSharpCompilation.Create(
            "GeneratorBenchmarks",
            [CSharpSyntaxTree.ParseText(ManyContracts(), ParseOptions, "Contracts.cs"), CSharpSyntaxTree.ParseText(Unrelated("value * 2"), ParseOptions, "Helpers.cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var helpers = _compilation.SyntaxTrees.Single(static t => t.FilePath == "Helpers.cs");
        _edited = _compilation.ReplaceSyntaxTree(helpers, helpers.WithChangedText(SourceText.From(Unrelated("value + value"))));
        _signatures = Enumerable.Range(0, Contracts).Select(static i => (AdditionalText)new Signature(i)).ToArray();

        _warm = CreateDriver([]).RunGenerators(_compilation);
        int generated = _warm.GetRunResult().GeneratedTrees.Length;
        if (generated != Contracts)
        {
            throw new InvalidOperationException($"Expected {Contracts} generated clients, got {generated}: {string.Join("; ", _warm.GetRunResult().Diagnostics)}");
        }

        var checkedRun = CreateDriver(_signatures).RunGenerators(_compilation).GetRunResult();
        if (!checkedRun.Diagnostics.IsEmpty)
        {
            throw new InvalidOperationException("The listed models should match their contracts: " + string.Join("; ", checkedRun.Diagnostics));
        }
    }

    /// <summary>A clean build: a fresh driver generates all 200 clients.</summary>
    [Benchmark(Baseline = true)]
    public int FullRun() => CreateDriver([]).RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;

    /// <summary>A clean build with each contract's model listed: 200 sidecars parsed and 200 contracts checked.</summary>
    [Benchmark]
    public int FullRunCheckedAgainstModels() => CreateDriver(_signatures).RunGenerators(_compilation).GetRunResult().GeneratedTrees.Length;

    /// <summary>An edit in an unrelated file after a run: every step cached, nothing re-emitted.</summary>
    [Benchmark]
    public int IncrementalUnrelatedEdit() => _warm.RunGenerators(_edited).GetRunResult().GeneratedTrees.Length;

    private static CSharpGeneratorDriver CreateDriver(AdditionalText[] additionalTexts) =>
        CSharpGeneratorDriver.Create([new ContractGenerator().AsSourceGenerator()], additionalTexts, ParseOptions);

    private static string Unrelated(string body) => "namespace Many;\n\npublic static class Helpers { public static int Twice(int value) => " + body + "; }\n";

    private static string ManyContracts()
    {
        var builder = new StringBuilder("using System;\nusing System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing ModelKit;\n\nnamespace Many;\n\n");
        builder.Append("public sealed class Image { [Tensor(\"x\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }\n");
        builder.Append("public sealed class Scores { [Tensor(\"y\")] public float[] Logits { get; set; } = []; [Tensor(\"z\")] public long Label { get; set; } }\n\n");
        for (int i = 0; i < Contracts; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $$"""
                [ModelContract("model{{i}}")]
                public partial interface IModel{{i}}
                {
                    Scores Predict(Image image);
                    ValueTask<Scores> PredictAsync(Image image, CancellationToken cancellationToken);
                    Scores[] PredictBatch(IReadOnlyList<Image> images);
                    void PredictInto([Tensor("x")] ReadOnlyMemory<float> pixels, [Output, Tensor("y")] Memory<float> logits);
                }

                """);
        }

        return builder.ToString();
    }

    /// <summary>The sidecar the build step writes for model<c>i</c>: x float [N,1,28,28] → y float [N,10], z int64 [N].</summary>
    private sealed class Signature(int index) : AdditionalText
    {
        private readonly SourceText _text = SourceText.From(
            $"modelkit-signature\t1\nmodel\tmodel{index}\nsource\tmodels/model{index}.onnx\ninput\tx\ttensor\tfloat\t?N,1,28,28\noutput\ty\ttensor\tfloat\t?N,10\noutput\tz\ttensor\tint64\t?N\n",
            Encoding.UTF8);

        public override string Path => $"/bench/obj/Release/net10.0/modelkit/model{index}.modelkit-signature";

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}
