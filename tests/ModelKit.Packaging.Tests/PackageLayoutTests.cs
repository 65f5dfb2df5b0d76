using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace ModelKit.Packaging.Tests;

/// <summary>Where each asset of each package sits: what a consumer's restore and build will find (see Refit's AnalyzerPackagingTests).</summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageLayoutTests(PackagesFixture packages)
{
    [Fact]
    public void Every_src_project_is_a_package_and_nothing_else_is()
    {
        var packed = Directory.GetFiles(packages.Feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(PackagesFixture.PackageIds.Select(id => $"{id}.{packages.Version}.nupkg").Order(StringComparer.Ordinal), packed);
    }

    [Fact]
    public void ModelKit_carries_the_library_the_generator_and_the_build_time_checks()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath("ModelKit"));
        var entries = Entries(package);

        Assert.Contains("lib/net10.0/ModelKit.dll", entries);
        Assert.Contains("lib/net10.0/ModelKit.xml", entries);

        // The generator: alone in analyzers/dotnet/cs (Roslyn comes from the compiler), never in lib/.
        Assert.Equal(["analyzers/dotnet/cs/ModelKit.Generators.dll"], entries.Where(static e => e.StartsWith("analyzers/", StringComparison.Ordinal)));
        Assert.DoesNotContain(entries, static e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));

        // Build-time model checking: targets in build/ and buildTransitive/ named after the package, the task in tasks/.
        Assert.Contains("build/ModelKit.targets", entries);
        Assert.Contains("build/ModelKit.Build.targets", entries);
        Assert.Contains("buildTransitive/ModelKit.targets", entries);
        Assert.Equal(["tasks/netstandard2.0/ModelKit.Build.dll"], entries.Where(static e => e.StartsWith("tasks/", StringComparison.Ordinal)));
        string targets = Read(package, "build/ModelKit.targets");
        Assert.Contains("ModelKit.Build.targets", targets, StringComparison.Ordinal);
        Assert.Contains("../build/ModelKit.targets", Read(package, "buildTransitive/ModelKit.targets"), StringComparison.Ordinal);
        string buildTargets = Read(package, "build/ModelKit.Build.targets");
        Assert.Contains("$(MSBuildThisFileDirectory)../tasks/netstandard2.0/ModelKit.Build.dll", buildTargets, StringComparison.Ordinal);
        Assert.Contains("<AdditionalFiles Include=\"@(_ModelKitSignature)\" />", buildTargets, StringComparison.Ordinal);

        // The generator and the task are inside, not dependencies.
        var dependencies = Dependencies(package, "ModelKit");
        Assert.DoesNotContain(dependencies, static d => d.Id.StartsWith("ModelKit", StringComparison.Ordinal) || d.Id.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.Contains(dependencies, static d => d.Id == "Microsoft.Extensions.DependencyInjection.Abstractions");
    }

    [Fact]
    public void The_generator_targets_netstandard2_0_on_the_Roslyn_4_8_floor()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath("ModelKit"));
        using var stream = new MemoryStream();
        using (var entry = package.GetEntry("analyzers/dotnet/cs/ModelKit.Generators.dll")!.Open())
        {
            entry.CopyTo(stream);
        }

        stream.Position = 0;
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetAssemblyReference(h))
            .ToDictionary(r => metadata.GetString(r.Name), r => r.Version, StringComparer.Ordinal);
        Assert.Equal(new Version(4, 8, 0, 0), references["Microsoft.CodeAnalysis"]);
        Assert.Equal(new Version(4, 8, 0, 0), references["Microsoft.CodeAnalysis.CSharp"]);
        Assert.True(references.ContainsKey("netstandard"), "the generator must target netstandard2.0");
        Assert.DoesNotContain(references.Keys, static name => name.StartsWith("ModelKit", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ModelKit.Onnx", "Microsoft.ML.OnnxRuntime")]
    [InlineData("ModelKit.Remote", "ModelKit.Protocol")]
    [InlineData("ModelKit.Protocol", "Google.Protobuf")]
    [InlineData("ModelKit.Server", "ModelKit.Onnx")]
    public void Libraries_carry_their_assembly_and_docs_and_depend_on_ModelKit_of_the_same_version(string id, string dependency)
    {
        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        var entries = Entries(package);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        Assert.DoesNotContain(entries, static e => e.StartsWith("analyzers/", StringComparison.Ordinal) || e.StartsWith("build", StringComparison.Ordinal));

        var dependencies = Dependencies(package, id);
        Assert.Contains(dependencies, d => d.Id == "ModelKit" && d.Version == packages.Version);
        Assert.Contains(dependencies, d => d.Id == dependency);
        Assert.All(dependencies.Where(static d => d.Id.StartsWith("ModelKit", StringComparison.Ordinal)), d => Assert.Equal(packages.Version, d.Version));
    }

    [Fact]
    public void OnnxFormat_has_no_dependencies_and_serves_netstandard2_0_and_net10_0()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath("ModelKit.OnnxFormat"));
        var entries = Entries(package);
        Assert.Contains("lib/netstandard2.0/ModelKit.OnnxFormat.dll", entries);
        Assert.Contains("lib/net10.0/ModelKit.OnnxFormat.dll", entries);
        Assert.Empty(Dependencies(package, "ModelKit.OnnxFormat"));
    }

    [Fact]
    public void The_cli_is_the_modelkit_dotnet_tool()
    {
        using var package = ZipFile.OpenRead(packages.PackagePath("ModelKit.Cli"));
        var entries = Entries(package);
        Assert.Contains("tools/net10.0/any/ModelKit.Cli.dll", entries);
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
        Assert.DoesNotContain(entries, static e => e.StartsWith("lib/", StringComparison.Ordinal));
        var settings = XDocument.Parse(Read(package, "tools/net10.0/any/DotnetToolSettings.xml"));
        var command = Assert.Single(settings.Descendants("Command"));
        Assert.Equal("modelkit", command.Attribute("Name")?.Value);
        Assert.Equal("ModelKit.Cli.dll", command.Attribute("EntryPoint")?.Value);
        var nuspec = Nuspec(package, "ModelKit.Cli");
        Assert.Contains(nuspec.Descendants().Where(static e => e.Name.LocalName == "packageType"), static e => e.Attribute("name")?.Value == "DotnetTool");
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_package_has_its_metadata(string id)
    {
        using var package = ZipFile.OpenRead(packages.PackagePath(id));
        var metadata = Nuspec(package, id).Descendants().Single(static e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? string.Empty;
        Assert.Equal(id, Value("id"));
        Assert.Equal(packages.Version, Value("version"));
        Assert.Equal("ModelKit contributors", Value("authors"));
        Assert.Equal("MIT", Value("license"));
        Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
        Assert.True(Value("description").Length > 40, $"{id} needs a real description");
        Assert.Contains("onnx", Value("tags"), StringComparison.Ordinal);
        Assert.NotNull(metadata.Elements().SingleOrDefault(static e => e.Name.LocalName == "repository"));
    }

    public static TheoryData<string> Ids => new(PackagesFixture.PackageIds);

    [Fact]
    public void The_repository_feed_is_where_pack_writes()
    {
        // nuget.config's local folder feed, relative to the file, is the PackageOutputPath every src project packs into.
        string root = ModelKit.Testing.SharedData.RepoRoot;
        var sources = XDocument.Load(Path.Combine(root, "nuget.config")).Descendants("packageSources").Single().Elements("add").ToList();
        var local = Assert.Single(sources, static s => s.Attribute("key")?.Value == "modelkit-local");
        string feed = Path.GetFullPath(Path.Combine(root, local.Attribute("value")!.Value));
        Assert.Equal(Path.GetFullPath(Path.Combine(root, "artifacts", "packages")), feed);
        Assert.True(Directory.Exists(feed), "artifacts/packages is kept in the repository (.gitkeep) so restore never fails on a missing feed");

        var result = DotNet.Run(root, TimeSpan.FromMinutes(2), "dotnet", "msbuild", Path.Combine(root, "src", "ModelKit.Onnx", "ModelKit.Onnx.csproj"), "-getProperty:PackageOutputPath", "-getProperty:IsPackable")
            .EnsureSuccess("dotnet msbuild -getProperty");
        var properties = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("Properties");
        Assert.Equal(feed.TrimEnd('/') , Path.GetFullPath(properties.GetProperty("PackageOutputPath").GetString()!).TrimEnd('/'));
        Assert.Equal("true", properties.GetProperty("IsPackable").GetString());
    }

    private static List<string> Entries(ZipArchive package) =>
        package.Entries.Select(static e => e.FullName)
            .Where(static e => !e.StartsWith("_rels/", StringComparison.Ordinal) && !e.StartsWith("package/", StringComparison.Ordinal) && e != "[Content_Types].xml")
            .ToList();

    private static string Read(ZipArchive package, string path)
    {
        using var reader = new StreamReader(package.GetEntry(path)!.Open());
        return reader.ReadToEnd();
    }

    private static XDocument Nuspec(ZipArchive package, string id) => XDocument.Parse(Read(package, id + ".nuspec"));

    private static List<(string Id, string Version)> Dependencies(ZipArchive package, string id) =>
        Nuspec(package, id).Descendants().Where(static e => e.Name.LocalName == "dependency")
            .Select(static e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value))
            .ToList();
}
