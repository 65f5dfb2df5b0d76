using ModelKit.Testing;

namespace ModelKit.Remote.Tests;

/// <summary>
/// One server shared by a test class: MNIST registered with ModelKit (when the shared data is present), plus a repository with an
/// Identity model per element type, NonZero, Reshape23 and the slow model.
/// </summary>
public sealed class RemoteServerFixture : IAsyncLifetime
{
    private readonly TempRepository _repository = new();

    internal TestHost Host { get; private set; } = null!;

    /// <summary>The MNIST model file, or null when the shared data is absent.</summary>
    internal string? MnistPath { get; private set; }

    /// <summary>The repository folder (local copies of the served models).</summary>
    internal string RepositoryRoot => _repository.Root;

    internal static string IdentityName(ModelKit.OnnxFormat.OnnxDataType type) => "identity_" + type.ToString().ToLowerInvariant();

    public async Task InitializeAsync()
    {
        foreach (var type in TestModels.AllTypes)
        {
            _repository.Add(IdentityName(type), 1, TestModels.Identity(type));
        }

        _repository.Add("nonzero", 1, TestModels.NonZero());
        _repository.Add("reshape", 1, TestModels.Reshape23());
        _repository.Add("slow", 1, TestModels.Slow()).Config("slow", """{ "options": { "IntraOpThreads": 1, "WarmupRuns": 0 } }""");
        string? mnist = SharedData.Root is { } root ? Path.Combine(root, "models", "mnist.onnx") : null;
        MnistPath = mnist is not null && File.Exists(mnist) ? mnist : null;
        Host = await TestHost.StartAsync(
            o => o.RepositoryPath = _repository.Root,
            kit =>
            {
                if (MnistPath is not null)
                {
                    kit.AddModel("mnist", o =>
                    {
                        o.Path = MnistPath;
                        o.IntraOpThreads = 1;
                    });
                }
            });
    }

    /// <summary>The local file of a repository model.</summary>
    internal string ModelFile(string name) => Path.Combine(_repository.Root, name, "1", "model.onnx");

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        _repository.Dispose();
    }
}
