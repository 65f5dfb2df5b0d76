using System.Text;

namespace ModelKit.Generators.Tests;

/// <summary>
/// Expected generated sources stored under <c>Snapshots/</c> and compared exactly. Set <c>MODELKIT_UPDATE_SNAPSHOTS=1</c>
/// to rewrite them from the generator's output (then review the diff).
/// </summary>
internal static class Snapshots
{
    public static bool Update => Environment.GetEnvironmentVariable("MODELKIT_UPDATE_SNAPSHOTS") == "1";

    public static string Directory() =>
        Path.Combine(ModelKit.Testing.SharedData.RepoRoot, "tests", "ModelKit.Generators.Tests", "Snapshots");

    public static string PathOf(string name) => Path.Combine(Directory(), name);

    public static string Read(string name)
    {
        string path = PathOf(name);
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : string.Empty;
    }

    public static void Write(string name, string text) => File.WriteAllText(PathOf(name), text, new UTF8Encoding(false));
}
