using Microsoft.CodeAnalysis;
using ModelKit.Generators.Diagnostics;
using ModelKit.Testing;

namespace ModelKit.Generators.Tests;

/// <summary>The diagnostic catalog: IDs by range, help links into docs/diagnostics.md, release tracking.</summary>
public sealed class CatalogTests
{
    public static TheoryData<string> Ids => new(DiagnosticDescriptors.All.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_diagnostic_is_documented_tracked_and_linked(string id)
    {
        var descriptor = DiagnosticDescriptors.Find(id);
        Assert.Matches("^MK[1-4][0-9]{3}$", id);
        Assert.Equal(id[2] switch { '1' => DiagnosticDescriptors.ContractCategory, '2' => DiagnosticDescriptors.TensorCategory, '3' => DiagnosticDescriptors.ModelCategory, _ => DiagnosticDescriptors.ProcessingCategory }, descriptor.Category);
        Assert.Equal($"https://github.com/modelkit/modelkit/blob/main/docs/diagnostics.md#{id.ToLowerInvariant()}", descriptor.HelpLinkUri);
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.False(string.IsNullOrWhiteSpace(descriptor.Description.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // Errors, except where the code compiles and works and the compiler would only warn (MK1016, CS0108) or nothing is wrong yet (MK3009).
        Assert.Equal(id is "MK1016" or "MK3009" ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);

        string docs = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "docs", "diagnostics.md"));
        Assert.Contains($"\n## {id}\n", docs, StringComparison.Ordinal);
        Assert.Contains($"| [{id}](#{id.ToLowerInvariant()}) | {descriptor.Title} |", docs, StringComparison.Ordinal);

        string releases = File.ReadAllText(Path.Combine(SharedData.RepoRoot, "generators", "ModelKit.Generators", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(SharedData.RepoRoot, "generators", "ModelKit.Generators", "AnalyzerReleases.Shipped.md"));
        Assert.Contains($"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} | {descriptor.Title}", releases, StringComparison.Ordinal);
    }
}
