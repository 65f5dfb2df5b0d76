using ModelKit.Acquisition;
using ModelKit.Testing;

namespace ModelKit.Tests;

/// <summary>The one cache root (<see cref="ModelKitCache"/>) that npm packages, NuGet-extracted models and the samples share.</summary>
public sealed class ModelKitCacheTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelkit-cache-root-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_variable_wins_everywhere()
    {
        Assert.Equal(Path.GetFullPath("/srv/models-cache"), ModelKitCache.Resolve("/srv/models-cache", SharedData.RepoRoot, "/home/u/.local/share"));
    }

    [Fact]
    public void In_a_checkout_it_is_the_git_ignored_cache_folder_at_the_root()
    {
        string app = Directory.CreateDirectory(Path.Combine(_folder, "src", "App", "bin", "Release", "net10.0")).FullName;
        File.WriteAllText(Path.Combine(_folder, "ModelKit.sln"), string.Empty);

        Assert.Equal(Path.Combine(_folder, ".cache"), ModelKitCache.Resolve(null, app, "/home/u/.local/share"));
        Assert.Equal(Path.Combine(_folder, ".cache"), ModelKitCache.Resolve("  ", app, "/home/u/.local/share"));
        Assert.Contains(".cache/", File.ReadAllLines(Path.Combine(SharedData.RepoRoot, ".gitignore")));
    }

    [Fact]
    public void Elsewhere_it_is_modelkit_in_the_users_local_application_data()
    {
        string app = Directory.CreateDirectory(Path.Combine(_folder, "app")).FullName;

        Assert.Equal(Path.Combine("/home/u/.local/share", "modelkit"), ModelKitCache.Resolve(null, app, "/home/u/.local/share"));
        Assert.Equal(Path.Combine(Path.GetTempPath(), "modelkit-cache"), ModelKitCache.Resolve(null, app, string.Empty));
    }

    [Fact]
    public void Npm_packages_and_these_tests_use_the_same_root()
    {
        // This test runs from the checkout (or with MODELKIT_CACHE set, as a CI may): the same folder either way.
        string expected = Environment.GetEnvironmentVariable(ModelKitCache.EnvironmentVariable) is { Length: > 0 } set
            ? Path.GetFullPath(set)
            : Path.Combine(SharedData.RepoRoot, ".cache");
        Assert.Equal(expected, ModelKitCache.Root);
        Assert.Equal(ModelKitCache.Root, NpmPackageCache.DefaultCacheDirectory);
    }
}
