using ModelKit.Acquisition;
using ModelKit.Samples.Media.Hosting;

namespace ModelKit.Samples.ConsoleApp.Media;

/// <summary>
/// What the text, vision and speech commands share: where the models run and where the sample writes its files. Remote comes from
/// <c>--endpoint</c> (with <c>--protocol</c>, <c>--api-key</c>) or, like the Blazor sample's <c>Sample:Remote</c> section, from the
/// environment: <c>Sample__Remote__Endpoint</c>, <c>Sample__Remote__Protocol</c>, <c>Sample__Remote__ApiKey</c>.
/// </summary>
/// <param name="Placement">In-process or a ModelKit server.</param>
/// <param name="OutputFolder">Where the sample writes its corpus, images and recordings.</param>
internal sealed record MediaOptions(ModelPlacement Placement, string OutputFolder)
{
    /// <summary>The samples' files: <c>samples</c> in the model cache (<c>.cache/samples</c> in a checkout).</summary>
    public static string DefaultOutputFolder => Path.Combine(NpmPackageCache.DefaultCacheDirectory, "samples");

    /// <summary>The placement from the command line, falling back to the environment.</summary>
    public static ModelPlacement Resolve(string? endpoint, string? protocol, string? apiKey, int threads) => new()
    {
        Endpoint = Blank(endpoint) ?? Blank(Environment.GetEnvironmentVariable("Sample__Remote__Endpoint")),
        Protocol = Blank(protocol) ?? Blank(Environment.GetEnvironmentVariable("Sample__Remote__Protocol")) ?? "rest-binary",
        ApiKey = Blank(apiKey) ?? Blank(Environment.GetEnvironmentVariable("Sample__Remote__ApiKey")),
        Threads = threads,
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
