using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelKit.Models;

/// <summary>
/// Reads manifest resources embedded in a .NET assembly file with <see cref="System.Reflection.Metadata"/> — the assembly is never
/// loaded, so a package's code never runs and its dependencies are never needed.
/// </summary>
public static class ManifestResources
{
    /// <summary>The names of the resources embedded in <paramref name="assemblyPath"/>.</summary>
    public static IReadOnlyList<string> List(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        return reader.ManifestResources.Select(h => reader.GetString(reader.GetManifestResource(h).Name)).ToArray();
    }

    /// <summary>Copies the embedded resource <paramref name="resourceName"/> of <paramref name="assemblyPath"/> to <paramref name="destination"/>.</summary>
    /// <exception cref="ModelSourceException">The assembly has no such embedded resource.</exception>
    public static void Extract(string assemblyPath, string resourceName, Stream destination)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.ManifestResources)
        {
            var resource = reader.GetManifestResource(handle);
            if (!reader.StringComparer.Equals(resource.Name, resourceName))
            {
                continue;
            }

            if (!resource.Implementation.IsNil)
            {
                throw new ModelSourceException($"Resource '{resourceName}' of {assemblyPath} lives in another file; only embedded resources can be read.");
            }

            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw new ModelSourceException($"{assemblyPath} has no resources directory.");
            if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out int directoryOffset))
            {
                throw new ModelSourceException($"{assemblyPath}: the resources directory is outside the file.");
            }

            // Each embedded resource: a 4-byte little-endian length, then the bytes, at the directory's start + the resource's offset.
            long start = directoryOffset + resource.Offset;
            stream.Position = start;
            Span<byte> lengthBytes = stackalloc byte[4];
            stream.ReadExactly(lengthBytes);
            long length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
            if (start + 4 + length > stream.Length)
            {
                throw new ModelSourceException($"{assemblyPath}: resource '{resourceName}' claims {length} bytes past the end of the file.");
            }

            var buffer = new byte[81920];
            while (length > 0)
            {
                int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
                if (read <= 0)
                {
                    throw new ModelSourceException($"{assemblyPath}: resource '{resourceName}' is truncated.");
                }

                destination.Write(buffer, 0, read);
                length -= read;
            }

            return;
        }

        throw new ModelSourceException($"{assemblyPath} has no embedded resource '{resourceName}' (it has: {string.Join(", ", List(assemblyPath))}).");
    }
}
