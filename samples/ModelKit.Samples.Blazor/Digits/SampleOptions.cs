using System.ComponentModel.DataAnnotations;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>The sample's settings, bound from the <c>Sample</c> configuration section.</summary>
public sealed class SampleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sample";

    /// <summary>The model zoo's MNIST CNN; null: <c>../shared/models/mnist.onnx</c> beside the repository when present, else no CNN.</summary>
    public string? CnnPath { get; set; }

    /// <summary>The seeds' MLP; null: the console sample's cache (<see cref="MlpModelCache.DefaultPath"/>). Trained on first start when missing.</summary>
    public string? MlpPath { get; set; }

    /// <summary>The ModelKit server the Remote switch talks to.</summary>
    [Required]
    public RemoteSettings Remote { get; set; } = new();

    /// <summary>The CNN's file, or null when there is none (a configured path that does not exist counts as none: the page says so).</summary>
    public string? ResolveCnnPath()
    {
        if (!string.IsNullOrWhiteSpace(CnnPath))
        {
            string configured = Path.GetFullPath(CnnPath);
            return File.Exists(configured) ? configured : null;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ModelKit.sln")))
                {
                    string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "models", "mnist.onnx"));
                    return File.Exists(candidate) ? candidate : null;
                }
            }
        }

        return null;
    }

    /// <summary>The MLP's file (which may not exist yet).</summary>
    public string ResolveMlpPath() => Path.GetFullPath(string.IsNullOrWhiteSpace(MlpPath) ? MlpModelCache.DefaultPath : MlpPath);
}

/// <summary>Where the Remote switch sends inference: a ModelKit (Open Inference Protocol) server.</summary>
public sealed class RemoteSettings
{
    /// <summary>The server's base address; null: this app's own endpoints (it hosts the ModelKit server itself).</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>rest-binary</c>, <c>rest-json</c> or <c>grpc</c>.</summary>
    [Required]
    [RegularExpression("^(rest-binary|rest-json|grpc)$")]
    public string Protocol { get; set; } = "rest-binary";

    /// <summary>API key sent to the server, when it wants one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Timeout of one remote call.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
