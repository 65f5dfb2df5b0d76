using System.Globalization;

namespace ModelKit.Testing;

/// <summary>
/// A temporary model repository (Triton layout), deleted on dispose: <c>Add(name, version, bytes)</c> writes
/// <c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c>.
/// </summary>
public sealed class TempRepository : IDisposable
{
    /// <summary>Creates an empty repository folder under the temporary folder.</summary>
    public TempRepository()
    {
        Root = Path.Combine(Path.GetTempPath(), "modelkit-repo-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The repository folder.</summary>
    public string Root { get; }

    /// <summary>Writes <paramref name="model"/> as version <paramref name="version"/> of <paramref name="name"/>.</summary>
    public TempRepository Add(string name, long version, byte[] model)
    {
        File.WriteAllBytes(Path.Combine(VersionFolder(name, version), "model.onnx"), model);
        return this;
    }

    /// <summary>Copies the model file <paramref name="modelPath"/> as version <paramref name="version"/> of <paramref name="name"/>.</summary>
    public TempRepository AddFile(string name, long version, string modelPath)
    {
        File.Copy(modelPath, Path.Combine(VersionFolder(name, version), "model.onnx"), overwrite: true);
        return this;
    }

    /// <summary>Writes the model's <c>config.json</c>.</summary>
    public TempRepository Config(string name, string json)
    {
        Directory.CreateDirectory(Path.Combine(Root, name));
        File.WriteAllText(Path.Combine(Root, name, "config.json"), json);
        return this;
    }

    /// <summary>Deletes the folder (best effort).</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private string VersionFolder(string name, long version)
    {
        string dir = Path.Combine(Root, name, version.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
