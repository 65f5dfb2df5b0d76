using System.IO.Compression;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace ModelKit.Models;

/// <summary>
/// Finds a NuGet package the way NuGet does for the user: the global packages folder (<c>NUGET_PACKAGES</c>, else
/// <c>globalPackagesFolder</c> in the nuget.config files that apply to the working folder, else <c>~/.nuget/packages</c>), and
/// when the package is not there, downloads it from the package sources those nuget.config files enable (credentials included).
/// </summary>
public sealed class NuGetPackages
{
    private readonly ISettings _settings;

    /// <summary>Reads the NuGet settings that apply to <paramref name="root"/> (default: the current folder).</summary>
    public NuGetPackages(string? root = null)
    {
        Root = Path.GetFullPath(root ?? Directory.GetCurrentDirectory());
        _settings = Settings.LoadDefaultSettings(Root);
        GlobalPackagesFolder = SettingsUtility.GetGlobalPackagesFolder(_settings);
    }

    /// <summary>The folder whose nuget.config files apply.</summary>
    public string Root { get; }

    /// <summary>The global packages folder.</summary>
    public string GlobalPackagesFolder { get; }

    /// <summary>The enabled package sources, in order.</summary>
    public IReadOnlyList<PackageSource> Sources => new PackageSourceProvider(_settings).LoadPackageSources().Where(static s => s.IsEnabled).ToArray();

    /// <summary>The package's folder in the global packages folder, or null when it has not been restored there.</summary>
    public string? FindInstalled(string id, string version)
    {
        string folder = Path.Combine(GlobalPackagesFolder, id.ToLowerInvariant(), NuGetVersion.Parse(version).ToNormalizedString().ToLowerInvariant());
        return File.Exists(Path.Combine(folder, $"{id.ToLowerInvariant()}.{NuGetVersion.Parse(version).ToNormalizedString().ToLowerInvariant()}.nupkg.sha512")) || Directory.Exists(Path.Combine(folder, "lib"))
            ? folder
            : null;
    }

    /// <summary>
    /// Gets one file of a package: from the global packages folder when restored there, else downloaded (the .nupkg from the first
    /// configured source that has it) and the file copied to <paramref name="destination"/>.
    /// </summary>
    public async Task<string> GetFileAsync(string id, string version, string pathInPackage, string destination, CancellationToken cancellationToken = default)
    {
        if (FindInstalled(id, version) is { } installed && File.Exists(Path.Combine(installed, pathInPackage)))
        {
            return Path.Combine(installed, pathInPackage);
        }

        var nupkg = await DownloadAsync(id, version, cancellationToken).ConfigureAwait(false);
        using var zip = new ZipArchive(nupkg, ZipArchiveMode.Read);
        var entry = zip.GetEntry(pathInPackage.Replace('\\', '/'))
            ?? throw new ModelSourceException($"Package {id} {version} has no file '{pathInPackage}'.");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string temporary = destination + ".part";
        await using (var output = File.Create(temporary))
        await using (var input = entry.Open())
        {
            await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, destination, overwrite: true);
        return destination;
    }

    private async Task<MemoryStream> DownloadAsync(string id, string version, CancellationToken cancellationToken)
    {
        var sources = Sources;
        if (sources.Count == 0)
        {
            throw new ModelSourceException($"Package {id} {version} is not in the global packages folder ({GlobalPackagesFolder}) and no package source is configured (nuget.config files that apply to {Root}).");
        }

        var problems = new List<string>();
        using var cache = new SourceCacheContext();
        foreach (var source in sources)
        {
            try
            {
                var repository = Repository.Factory.GetCoreV3(source);
                var finder = await repository.GetResourceAsync<FindPackageByIdResource>(cancellationToken).ConfigureAwait(false);
                var stream = new MemoryStream();
                if (finder is not null && await finder.CopyNupkgToStreamAsync(id, NuGetVersion.Parse(version), stream, cache, NullLogger.Instance, cancellationToken).ConfigureAwait(false))
                {
                    stream.Position = 0;
                    return stream;
                }

                problems.Add($"{source.Name}: not found");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                problems.Add($"{source.Name}: {ex.Message}");
            }
        }

        throw new ModelSourceException($"Package {id} {version} could not be downloaded ({string.Join("; ", problems)}).");
    }
}
