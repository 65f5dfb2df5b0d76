using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace ModelKit.Generators.Tests;

/// <summary>
/// Runs <see cref="ContractGenerator"/> through Microsoft.CodeAnalysis.Testing on a project like a user's: C# latest, nullable on,
/// warning level 9999, compiler warnings verified too (so generated code must compile clean), references to the real ModelKit.
/// </summary>
internal sealed class GeneratorTest : CSharpSourceGeneratorTest<ContractGenerator, DefaultVerifier>
{
    public GeneratorTest(ImmutableArray<MetadataReference>? modelKit = null)
    {
        // Framework assemblies come from the local reference pack (TestReferences), never from a package download.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(TestReferences.Framework);
        TestState.AdditionalReferences.AddRange(modelKit ?? TestReferences.ModelKit);
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
    }

    /// <summary>The generated file's path as the testing library names it.</summary>
    public static string GeneratedPath(string hintName) =>
        Path.Combine(typeof(ContractGenerator).Assembly.GetName().Name!, typeof(ContractGenerator).FullName!, hintName);

    public static GeneratorTest ForSource(string source, ImmutableArray<MetadataReference>? modelKit = null)
    {
        var test = new GeneratorTest(modelKit);

        // Documentation comments are diagnosed (as with GenerateDocumentationFile) so generated code is checked for CS1591;
        // the user's own file opts out.
        test.TestState.Sources.Add("#pragma warning disable CS1591\n" + source);
        test.TestState.Sources.Add(("GlobalUsings.g.cs", TestReferences.ImplicitUsings));
        return test;
    }

    /// <summary>Expects exactly <paramref name="hintName"/> with <paramref name="text"/>.</summary>
    public GeneratorTest Expect(string hintName, string text)
    {
        TestState.GeneratedSources.Add((typeof(ContractGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        return this;
    }

    /// <summary>Checks diagnostics only (for contracts with errors, whose generated stubs still have to compile).</summary>
    public GeneratorTest DiagnosticsOnly()
    {
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        return this;
    }

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

    protected override CompilationOptions CreateCompilationOptions()
    {
        var options = (CSharpCompilationOptions)base.CreateCompilationOptions();
        return options
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithWarningLevel(9999)
            .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItems(new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            }));
    }
}
