using System.Globalization;
using ModelKit.Testing;

namespace ModelKit.Packaging.Tests;

/// <summary>
/// Packs every ModelKit package once per test run with <c>build/pack.sh</c> into a temporary feed, under a version of its own
/// (so no package cached by an earlier run can stand in for it), and removes the feed and those cached versions afterwards.
/// </summary>
public sealed class PackagesFixture : IDisposable
{
    /// <summary>The packages ModelKit ships: one per src/ project.</summary>
    public static readonly string[] PackageIds =
    [
        "ModelKit", "ModelKit.Audio", "ModelKit.Cli", "ModelKit.Models", "ModelKit.Onnx", "ModelKit.OnnxFormat", "ModelKit.Protocol",
        "ModelKit.Remote", "ModelKit.Server", "ModelKit.Text", "ModelKit.Vision",
    ];

    private readonly Lazy<string> _feed;

    public PackagesFixture()
    {
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        Root = Directory.CreateTempSubdirectory("modelkit-packaging-").FullName;
        _feed = new Lazy<string>(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The packages' version in this run.</summary>
    public string Version { get; }

    /// <summary>A temporary folder for this run (the feed, consumer projects, tools).</summary>
    public string Root { get; }

    /// <summary>The folder feed holding the packed packages (packed on first use).</summary>
    public string Feed => _feed.Value;

    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        // The run's packages in the global packages folder are of no use to anyone else.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in PackageIds)
        {
            string folder = Path.Combine(cache, id.ToLowerInvariant(), Version);
            if (Directory.Exists(folder))
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private string Pack()
    {
        string feed = Path.Combine(Root, "feed");
        DotNet.Run(SharedData.RepoRoot, TimeSpan.FromMinutes(8), "bash", Path.Combine(SharedData.RepoRoot, "build", "pack.sh"), feed, "-p:PackageVersion=" + Version, "--disable-build-servers")
            .EnsureSuccess("build/pack.sh");
        return feed;
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "packages";
}
