using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelKit.Generators.Tests;

/// <summary>Runs the generator with a <see cref="CSharpGeneratorDriver"/> directly (incrementality, compile-and-run, snapshots updates).</summary>
internal static class GeneratorRunner
{
    public static GeneratorDriver CreateDriver(bool trackSteps = true, IEnumerable<AdditionalText>? additionalTexts = null, CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new ContractGenerator().AsSourceGenerator() },
            additionalTexts: additionalTexts,
            parseOptions: parseOptions ?? TestReferences.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator on <paramref name="compilation"/>; gives the compilation with generated sources and the generator's diagnostics.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Result) Run(Compilation compilation, params AdditionalText[] additionalTexts)
    {
        // Generated files are parsed as the user's files are (the language version of the project).
        var parseOptions = compilation.SyntaxTrees.FirstOrDefault()?.Options as CSharpParseOptions;
        var driver = CreateDriver(additionalTexts: additionalTexts, parseOptions: parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    /// <summary>The single generated source for <paramref name="sources"/>.</summary>
    public static string GenerateSingle(params string[] sources)
    {
        var (_, diagnostics, result) = Run(TestReferences.CreateCompilation(sources));
        Assert.Empty(diagnostics);
        var generated = Assert.Single(Assert.Single(result.Results).GeneratedSources);
        return generated.SourceText.ToString();
    }
}
