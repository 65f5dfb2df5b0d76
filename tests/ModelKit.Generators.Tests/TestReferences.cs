using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelKit.Generators.Tests;

/// <summary>
/// What test compilations reference: the .NET reference pack of the running runtime (no download), the real ModelKit and
/// ModelKit.Onnx assemblies, and the abstractions their public API mentions.
/// </summary>
internal static class TestReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyFramework = new(LoadFramework);
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyModelKit = new(LoadModelKit);

    /// <summary>The framework's reference assemblies.</summary>
    public static ImmutableArray<MetadataReference> Framework => LazyFramework.Value;

    /// <summary>ModelKit, ModelKit.Onnx and the Microsoft.Extensions abstractions.</summary>
    public static ImmutableArray<MetadataReference> ModelKit => LazyModelKit.Value;

    /// <summary>ModelKit without the ONNX Runtime backend.</summary>
    public static ImmutableArray<MetadataReference> ModelKitWithoutOnnx =>
        ModelKit.RemoveAll(static r => r.Display is { } path && Path.GetFileName(path) == "ModelKit.Onnx.dll");

    public static ImmutableArray<MetadataReference> All => Framework.AddRange(ModelKit);

    /// <summary>The language options of user projects: C# latest.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    /// <summary>The compilation options of user projects: nullable on, every warning (level 9999) reported as an error.</summary>
    public static CSharpCompilationOptions CompilationOptions(OutputKind kind = OutputKind.DynamicallyLinkedLibrary) =>
        new CSharpCompilationOptions(kind)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithWarningLevel(9999)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Error)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                // the assemblies of the test host are newer than the reference pack's in places; unification is not what is tested
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });

    /// <summary>The global usings of an SDK project with <c>ImplicitUsings</c> enabled.</summary>
    public const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, ImmutableArray<MetadataReference>? references = null, string assemblyName = "ModelKit.GeneratorTests.User", CSharpParseOptions? parseOptions = null) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Prepend(ImplicitUsings).Select((source, i) => CSharpSyntaxTree.ParseText(source, parseOptions ?? ParseOptions, path: i == 0 ? "GlobalUsings.g.cs" : $"Source{i}.cs")),
            Framework.AddRange(references ?? ModelKit),
            CompilationOptions());

    /// <summary>The compilation's warnings and errors (hidden and info diagnostics such as unused usings left out).</summary>
    public static IReadOnlyList<Diagnostic> Problems(Compilation compilation) =>
        compilation.GetDiagnostics().Where(static d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    private static ImmutableArray<MetadataReference> LoadFramework()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        string version = new DirectoryInfo(runtimeDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        string tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        string? refDirectory = null;
        if (Directory.Exists(packs))
        {
            refDirectory = Directory.GetDirectories(packs)
                .Select(d => Path.Combine(d, "ref", tfm))
                .Where(Directory.Exists)
                .OrderByDescending(d => d == Path.Combine(packs, version, "ref", tfm))
                .ThenByDescending(d => d, StringComparer.Ordinal)
                .FirstOrDefault();
        }

        // Reference assemblies when the SDK's pack is there; the runtime's own assemblies otherwise.
        string directory = refDirectory ?? runtimeDirectory;
        return Directory.GetFiles(directory, "*.dll")
            .Where(static f => IsManaged(f))
            .OrderBy(static f => f, StringComparer.Ordinal)
            .Select(static f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .ToImmutableArray();
    }

    private static ImmutableArray<MetadataReference> LoadModelKit()
    {
        var assemblies = new[]
        {
            typeof(global::ModelKit.TensorAttribute).Assembly,
            typeof(global::ModelKit.Onnx.OnnxModelBackend).Assembly,
            typeof(Microsoft.Extensions.DependencyInjection.IServiceCollection).Assembly,
            typeof(Microsoft.Extensions.DependencyInjection.ServiceCollection).Assembly,
            typeof(Microsoft.Extensions.DependencyInjection.ServiceProvider).Assembly,
            typeof(Microsoft.Extensions.Options.IOptions<>).Assembly,
            typeof(Microsoft.Extensions.Configuration.IConfiguration).Assembly,
            typeof(Microsoft.Extensions.Logging.ILogger).Assembly,
        };

        return assemblies
            .Select(static a => a.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(static path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
