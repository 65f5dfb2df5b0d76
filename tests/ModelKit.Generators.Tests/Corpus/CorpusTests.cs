using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelKit.Testing;

namespace ModelKit.Generators.Tests.Corpus;

/// <summary>
/// Issue 15's corpus: the generator over <see cref="ContractCorpus"/> (over a hundred contract variants), compiled as a few
/// projects rather than one per variant. Asserts no generator exception, no error in any generated file, and that every
/// variant either builds and runs on mnist.onnx (agreeing with ONNX Runtime) or gets at least one of its expected MK
/// diagnostics in its own file, and no MK diagnostic outside user code.
/// </summary>
public sealed class CorpusTests
{
    private const string LibrarySource = """
        using ModelKit;

        namespace Lib;

        public sealed class LibImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
        public sealed class LibScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
        public sealed class LibInternalImage { [Tensor("Input3", 1, 1, 28, 28)] internal float[] Pixels { get; set; } = new float[784]; }
        """;

    private const string SharedSource = """
        using ModelKit;

        namespace CorpusShared;

        public sealed class DigitImage { [Tensor("Input3", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }
        public sealed class DigitScores { [Tensor("Plus214_Output_0")] public float[] Logits { get; set; } = []; }
        """;

    private static readonly Lazy<byte[]> Library = new(static () =>
    {
        using var stream = new MemoryStream();
        var emitted = TestReferences.CreateCompilation([LibrarySource], assemblyName: "CorpusLib").Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        return stream.ToArray();
    });

    [Fact]
    public void The_corpus_has_over_a_hundred_variants_with_unique_names()
    {
        Assert.True(ContractCorpus.All.Count >= 100, $"{ContractCorpus.All.Count} variants");
        Assert.Equal(ContractCorpus.All.Count, ContractCorpus.All.Select(static v => v.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(ContractCorpus.All, static v => v.Runs);
        Assert.Contains(ContractCorpus.All, static v => !v.Runs);
    }

    [SkippableFact]
    public void Every_variant_builds_and_runs_or_gets_an_MK_diagnostic_in_user_code()
    {
        string modelPath = SharedData.Require("models/mnist.onnx");
        var mnist = Signatures.Text("mnist", Signatures.Of("mnist.onnx", "mnist"));
        var failures = new List<string>();
        var runnable = new List<(CorpusVariant Variant, int Index)>();

        foreach (var group in Enum.GetValues<CorpusGroup>())
        {
            var members = ContractCorpus.All.Select(static (v, i) => (Variant: v, Index: i)).Where(p => p.Variant.Group == group).ToList();
            if (members.Count == 0)
            {
                continue;
            }

            // Phase 1: every variant of the group in one compilation.
            var compilation = Compile(group, members);
            var (output, diagnostics, result) = GeneratorRunner.Run(compilation, mnist);
            var run = Assert.Single(result.Results);
            Assert.Null(run.Exception);
            Assert.DoesNotContain(diagnostics, static d => d.Id == "CS8785");

            var userFiles = compilation.SyntaxTrees.Select(static t => t.FilePath).ToHashSet(StringComparer.Ordinal);
            var compilerErrors = output.GetDiagnostics().Where(static d => d.Severity == DiagnosticSeverity.Error).ToList();
            foreach (var error in compilerErrors.Where(d => d.Location.SourceTree is { } tree && !userFiles.Contains(tree.FilePath)))
            {
                failures.Add($"[{group}] error in generated code: {error}");
            }

            foreach (var diagnostic in diagnostics.Where(static d => d.Id.StartsWith("MK", StringComparison.Ordinal)))
            {
                string path = diagnostic.Location.GetLineSpan().Path;
                if (!diagnostic.Location.IsInSource && !userFiles.Contains(path))
                {
                    failures.Add($"[{group}] MK diagnostic outside user code: {diagnostic}");
                }
            }

            foreach (var (variant, index) in members)
            {
                string file = FileName(index);
                var mk = diagnostics.Where(d => d.Id.StartsWith("MK", StringComparison.Ordinal) && d.Location.GetLineSpan().Path == file).ToList();
                var errors = compilerErrors.Where(d => d.Location.SourceTree?.FilePath == file).ToList();
                if (variant.Runs)
                {
                    if (mk.Count > 0 || errors.Count > 0)
                    {
                        failures.Add($"[{group}] {variant.Name} should build: " + string.Join(" | ", mk.Concat(errors)));
                    }
                    else
                    {
                        runnable.Add((variant, index));
                    }
                }
                else if (!mk.Any(d => variant.Diagnostics.Contains(d.Id)))
                {
                    failures.Add($"[{group}] {variant.Name} should get {string.Join(" or ", variant.Diagnostics)}, got: " + string.Join(" | ", mk.Concat(errors).DefaultIfEmpty()));
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        // Phase 2: the variants that build, without the others, emitted per group and run on mnist.onnx.
        float[] pixels = CompileAndRunTests.DrawSeven();
        float[] expected = CompileAndRunTests.RunOnnxRuntime(modelPath, pixels);
        int ran = 0;
        foreach (var group in runnable.GroupBy(static r => r.Variant.Group))
        {
            var (output, diagnostics, _) = GeneratorRunner.Run(Compile(group.Key, group.ToList()), mnist);
            Assert.Empty(diagnostics.Where(static d => d.Severity == DiagnosticSeverity.Error));
            using var stream = new MemoryStream();
            var emitted = output.Emit(stream);
            Assert.True(emitted.Success, $"[{group.Key}] " + string.Join(Environment.NewLine, emitted.Diagnostics.Where(static d => d.Severity == DiagnosticSeverity.Error)));
            stream.Position = 0;

            var context = new AssemblyLoadContext("corpus-" + group.Key, isCollectible: true);
            try
            {
                if (group.Key == CorpusGroup.Default)
                {
                    context.LoadFromStream(new MemoryStream(Library.Value));
                }

                var assembly = context.LoadFromStream(stream);
                foreach (var (variant, index) in group)
                {
                    var probe = assembly.GetType(Namespace(index) + ".Probe", throwOnError: true)!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
                    float[] logits;
                    try
                    {
                        logits = (float[])probe.Invoke(null, [modelPath, pixels])!;
                    }
                    catch (TargetInvocationException ex)
                    {
                        failures.Add($"[{group.Key}] {variant.Name} threw {ex.InnerException}");
                        continue;
                    }

                    if (logits.Length != expected.Length || logits.Zip(expected).Any(static p => Math.Abs(p.First - p.Second) > 1e-3))
                    {
                        failures.Add($"[{group.Key}] {variant.Name} returned [{string.Join(", ", logits)}], expected [{string.Join(", ", expected)}]");
                    }

                    ran++;
                }
            }
            finally
            {
                context.Unload();
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.Equal(ContractCorpus.All.Count(static v => v.Runs), ran);
    }

    private static string Namespace(int index) => $"Corpus.V{index:000}";

    private static string FileName(int index) => $"Corpus/V{index:000}.cs";

    private static CSharpCompilation Compile(CorpusGroup group, IReadOnlyList<(CorpusVariant Variant, int Index)> members)
    {
        var parseOptions = group switch
        {
            CorpusGroup.CSharp10 => TestReferences.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp10),
            CorpusGroup.CSharp11 => TestReferences.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp11),
            _ => TestReferences.ParseOptions,
        };

        var trees = new List<SyntaxTree>();
        if (group != CorpusGroup.Relaxed)
        {
            trees.Add(CSharpSyntaxTree.ParseText(TestReferences.ImplicitUsings, parseOptions, path: "GlobalUsings.g.cs"));
        }

        if (group == CorpusGroup.Default)
        {
            trees.Add(CSharpSyntaxTree.ParseText(SharedSource, parseOptions, path: "Corpus/Shared.cs"));
        }

        foreach (var (variant, index) in members)
        {
            trees.Add(CSharpSyntaxTree.ParseText(Source(variant, index), parseOptions, path: FileName(index)));
        }

        var references = TestReferences.Framework.AddRange(TestReferences.ModelKit);
        if (group == CorpusGroup.Default)
        {
            references = references.Add(MetadataReference.CreateFromImage(Library.Value));
        }

        var options = TestReferences.CompilationOptions();
        if (group == CorpusGroup.Relaxed)
        {
            options = options.WithNullableContextOptions(NullableContextOptions.Disable).WithGeneralDiagnosticOption(ReportDiagnostic.Default);
        }

        return CSharpCompilation.Create("Corpus" + group, trees, references, options);
    }

    /// <summary>A variant's file: its declarations in its own namespace, and for a variant that runs, a probe that registers its contracts and calls it.</summary>
    private static string Source(CorpusVariant variant, int index)
    {
        string probe = string.Empty;
        if (variant.Runs)
        {
            string[] contracts = variant.Contract.Split(',');
            string registrations = string.Concat(contracts.Select(static c => ".AddModel<" + c + ">(model => model.Path = modelPath)"));
            probe = $$"""

                public static class Probe
                {
                    public static float[] Run(string modelPath, float[] pixels)
                    {
                        var services = new ServiceCollection();
                        services.AddModelKit(kit => kit{{registrations}});
                        using var provider = services.BuildServiceProvider();
                        var client = provider.GetRequiredService<{{contracts[0]}}>();
                        {{variant.Probe}}
                    }
                }
                """;
        }

        return $$"""
            using Microsoft.Extensions.DependencyInjection;
            using ModelKit;

            namespace {{Namespace(index)}}
            {
            {{variant.Declarations}}
            {{probe}}
            }
            """;
    }
}
