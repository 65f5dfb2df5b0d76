using ModelKit.Acquisition;
using ModelKit.Models;

namespace ModelKit.Text.Tests;

public sealed class ModelCacheRootTests
{
    [Fact]
    public void Models_from_NuGet_are_kept_under_the_same_root_as_npm_packages()
    {
        Assert.Equal(Path.Combine(ModelKitCache.Root, "models"), new ModelCache().Root);
        Assert.Equal(ModelKitCache.Root, NpmPackageCache.DefaultCacheDirectory);
    }
}
