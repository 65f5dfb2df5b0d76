using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ModelKit.Server;

/// <summary>Which versions of a repository model to serve (Triton's <c>version_policy</c>).</summary>
public enum VersionPolicyKind
{
    /// <summary>The <c>N</c> highest versions (default: 1).</summary>
    Latest,

    /// <summary>Every version.</summary>
    All,

    /// <summary>The listed versions.</summary>
    Specific,
}

/// <summary>A model's configuration from <c>&lt;repo&gt;/&lt;model&gt;/config.json</c>.</summary>
public sealed class RepositoryModelConfig
{
    /// <summary>Which versions of the model are served (Triton's <c>version_policy</c>); <see cref="VersionPolicyKind.Latest"/> by default.</summary>
    public VersionPolicyKind Policy { get; init; } = VersionPolicyKind.Latest;

    /// <summary>For <see cref="VersionPolicyKind.Latest"/>: how many.</summary>
    public int LatestCount { get; init; } = 1;

    /// <summary>For <see cref="VersionPolicyKind.Specific"/>: which.</summary>
    public IReadOnlyList<long> SpecificVersions { get; init; } = [];

    /// <summary>The <c>options</c> section (a <see cref="ModelOptions"/>: threads, execution providers, batching, warm-up…), or null.</summary>
    public IConfigurationSection? Options { get; init; }

    /// <summary>
    /// The <c>processing</c> section (<c>{"kind": "text-embedding" | "ocr", …settings}</c>): the model is a pipeline served by the backend
    /// provider of that kind, and its version folders hold the pipeline's files instead of one <c>model.onnx</c>. Null for plain models.
    /// </summary>
    public ProcessingOptions? Processing { get; init; }
    /// <summary>The <c>sequence_batching</c> section: the model is stateful and served in sequences; null for stateless models.</summary>
    public SequenceBatchingConfig? SequenceBatching { get; init; }

    /// <summary>
    /// The <c>model_warmup</c> samples (Triton's names: <c>name</c>, <c>batch_size</c>, <c>count</c>, <c>inputs</c> with <c>dims</c> and
    /// <c>zero_data</c>): the inputs warm-up runs with instead of zeros with every dynamic dimension 1; null when absent.
    /// </summary>
    public IReadOnlyList<ModelWarmupSample>? Warmup { get; init; }
}

/// <summary>One <c>model_warmup</c> sample: zero-filled inputs of the given shapes, run <see cref="Count"/> times.</summary>
public sealed class ModelWarmupSample
{
    /// <summary>The sample's name (<c>name</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Rows prepended to each input's <c>dims</c> when the model batches (<c>batch_size</c>, default 1).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Runs of this sample (<c>count</c>; 0 or absent: once).</summary>
    public int Count { get; init; } = 1;

    /// <summary>Each input's dims (without the batch dimension when the model batches), by input name.</summary>
    public required IReadOnlyDictionary<string, long[]> Inputs { get; init; }
}

/// <summary>
/// A model repository folder in Triton's layout: <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c> with numeric versions and
/// an optional <c>&lt;repo&gt;/&lt;model&gt;/config.json</c>:
/// <code>
/// { "version_policy": { "latest": { "num_versions": 2 } } | { "all": {} } | { "specific": { "versions": [1, 3] } },
///   "options": { "IntraOpThreads": 1, "WarmupRuns": 2, "Batching": { "MaxBatchSize": 16 } },
///   "processing": { "kind": "text-embedding", "vocabulary": "vocab.txt" },
///   "sequence_batching": { … } }
/// </code>
/// A model with a <c>processing</c> section is a pipeline: any numeric version folder that is not empty is a version, served by the
/// backend provider of its kind (see <see cref="ProcessingOptions"/>).
/// Every path is built from validated names and checked to stay inside the repository.
/// </summary>
public sealed class ModelRepository
{
    /// <summary>The model file name inside a version folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The per-model configuration file name.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>Opens a repository folder.</summary>
    public ModelRepository(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The repository's full path.</summary>
    public string Root { get; }

    /// <summary>The model folders with valid names, and the folders skipped for invalid names.</summary>
    public (IReadOnlyList<string> Models, IReadOnlyList<string> Invalid) ListModels()
    {
        var models = new List<string>();
        var invalid = new List<string>();
        if (!Directory.Exists(Root))
        {
            return (models, invalid);
        }

        foreach (var dir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(dir);
            if (name.StartsWith('.'))
            {
                continue;
            }

            (ModelNames.IsValidName(name) ? models : invalid).Add(name);
        }

        return (models, invalid);
    }

    /// <summary>Whether the repository holds a folder for <paramref name="model"/> (false for invalid names).</summary>
    public bool Contains(string model) => ModelDirectory(model) is not null;

    /// <summary>
    /// The numeric version folders of a model that hold a <c>model.onnx</c> (its path), ascending; for a pipeline
    /// (<paramref name="pipeline"/>), every non-empty numeric version folder (the folder's path).
    /// </summary>
    public IReadOnlyList<(long Version, string Path)> ListVersions(string model, bool pipeline = false)
    {
        var dir = ModelDirectory(model) ?? throw new ModelNotFoundException($"The repository has no model '{model}'.");
        var versions = new List<(long, string)>();
        foreach (var versionDir in Directory.EnumerateDirectories(dir))
        {
            if (ModelNames.TryParseVersion(Path.GetFileName(versionDir), out long version))
            {
                if (pipeline)
                {
                    if (Directory.EnumerateFileSystemEntries(versionDir).Any())
                    {
                        versions.Add((version, versionDir));
                    }

                    continue;
                }

                string file = Path.Combine(versionDir, ModelFileName);
                if (File.Exists(file))
                {
                    versions.Add((version, file));
                }
            }
        }

        versions.Sort(static (a, b) => a.Item1.CompareTo(b.Item1));
        return versions;
    }

    /// <summary>The folder of initial state files (<c>initial_state.data_file</c>), under the model folder as in Triton.</summary>
    internal const string InitialStateFolder = "initial_state";

    /// <summary>Reads each <c>initial_state.data_file</c> of <paramref name="sequence"/> from <c>&lt;model&gt;/initial_state/</c> (sizes are checked against the state when the model loads).</summary>
    private static void ReadInitialStates(string model, string dir, SequenceBatchingConfig sequence)
    {
        const long MaxBytes = 16L * 1024 * 1024 * 8; // the largest state SequenceLayout accepts: 16M elements of 8 bytes
        foreach (var state in sequence.States)
        {
            if (state.InitialDataFile is not { } file)
            {
                continue;
            }

            string folder = Path.GetFullPath(Path.Combine(dir, InitialStateFolder));
            string path = Path.GetFullPath(Path.Combine(folder, file));
            if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
            {
                throw new ModelLoadException(model, $"{ConfigFileName}: sequence_batching.state '{state.InputName}': initial_state.data_file '{file}' is not a file in {Path.Combine(model, InitialStateFolder)}/.");
            }

            long length = new FileInfo(path).Length;
            if (length > MaxBytes)
            {
                throw new ModelLoadException(model, $"{ConfigFileName}: sequence_batching.state '{state.InputName}': initial_state.data_file '{file}' has {length} bytes, more than a state may hold.");
            }

            state.InitialData = File.ReadAllBytes(path);
        }
    }

    /// <summary>Reads <c>config.json</c> (defaults when absent); throws <see cref="ModelLoadException"/> when it is malformed.</summary>
    public RepositoryModelConfig ReadConfig(string model)
    {
        var dir = ModelDirectory(model) ?? throw new ModelNotFoundException($"The repository has no model '{model}'.");
        string path = Path.Combine(dir, ConfigFileName);
        if (!File.Exists(path))
        {
            return new RepositoryModelConfig();
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or System.Text.Json.JsonException or IOException)
        {
            throw new ModelLoadException(model, $"{ConfigFileName} is not valid JSON: {ex.Message}", ex);
        }

        var policy = configuration.GetSection("version_policy");
        var options = configuration.GetSection("options");
        var optionsSection = options.Exists() ? options : null;
        var processing = ReadProcessing(model, configuration.GetSection("processing"));
        var sequenceSection = configuration.GetSection("sequence_batching");
        var sequence = sequenceSection.Exists() ? SequenceBatchingConfig.Read(model, sequenceSection) : null;
        if (sequence is not null)
        {
            ReadInitialStates(model, dir, sequence);
        }
        var warmupSection = configuration.GetSection("model_warmup");
        var warmup = warmupSection.Exists() ? ReadWarmup(model, warmupSection) : null;
        if (!policy.Exists())
        {
            return new RepositoryModelConfig { Options = optionsSection, Processing = processing, SequenceBatching = sequence, Warmup = warmup };
        }

        var keys = policy.GetChildren().Select(static c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (keys.Count != 1)
        {
            throw new ModelLoadException(model, $"{ConfigFileName}: version_policy must hold exactly one of \"latest\", \"all\" or \"specific\".");
        }

        if (keys.Contains("latest"))
        {
            string? count = policy.GetSection("latest")["num_versions"];
            int n = 1;
            if (count is not null && (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1))
            {
                throw new ModelLoadException(model, $"{ConfigFileName}: version_policy.latest.num_versions must be a positive integer (got '{count}').");
            }

            return new RepositoryModelConfig { Policy = VersionPolicyKind.Latest, LatestCount = n, Options = optionsSection, Processing = processing, SequenceBatching = sequence, Warmup = warmup };
        }

        if (keys.Contains("specific"))
        {
            var versions = new List<long>();
            foreach (var item in policy.GetSection("specific").GetSection("versions").GetChildren())
            {
                if (!ModelNames.TryParseVersion(item.Value, out long v))
                {
                    throw new ModelLoadException(model, $"{ConfigFileName}: version_policy.specific.versions must hold numeric versions (got '{item.Value}').");
                }

                versions.Add(v);
            }

            if (versions.Count == 0)
            {
                throw new ModelLoadException(model, $"{ConfigFileName}: version_policy.specific.versions is empty.");
            }

            return new RepositoryModelConfig { Policy = VersionPolicyKind.Specific, SpecificVersions = versions, Options = optionsSection, Processing = processing, SequenceBatching = sequence, Warmup = warmup };
        }

        if (keys.Contains("all"))
        {
            return new RepositoryModelConfig { Policy = VersionPolicyKind.All, Options = optionsSection, Processing = processing, SequenceBatching = sequence, Warmup = warmup };
        }

        throw new ModelLoadException(model, $"{ConfigFileName}: version_policy must hold \"latest\", \"all\" or \"specific\".");
    }

    private static ProcessingOptions? ReadProcessing(string model, IConfigurationSection section)
    {
        if (!section.Exists())
        {
            return null;
        }

        string? kind = section["kind"];
        if (string.IsNullOrWhiteSpace(kind))
        {
            throw new ModelLoadException(model, $"{ConfigFileName}: processing.kind must name the pipeline (e.g. \"text-embedding\" or \"ocr\").");
        }

        var processing = new ProcessingOptions { Kind = kind };
        foreach (var pair in section.AsEnumerable(makePathsRelative: true))
        {
            if (pair.Value is not null && !string.Equals(pair.Key, "kind", StringComparison.OrdinalIgnoreCase))
            {
                processing.Settings[pair.Key] = pair.Value;
            }
        }

        return processing;
    }

    private static List<ModelWarmupSample> ReadWarmup(string model, IConfigurationSection section)
    {
        const string at = "config.json: model_warmup";
        var samples = new List<ModelWarmupSample>();
        foreach (var item in section.GetChildren())
        {
            string name = item["name"] ?? $"sample {item.Key}";
            var inputs = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var input in item.GetSection("inputs").GetChildren())
            {
                if (input["random_data"] is not null || input["input_data_file"] is not null || !string.Equals(input["zero_data"], "true", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelLoadException(model, $"{at}[{item.Key}].inputs.{input.Key}: only zero_data: true is supported.");
                }

                inputs[input.Key] = input.GetSection("dims").GetChildren().Select(c =>
                    long.TryParse(c.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long d) && d is >= 1 and <= 1_000_000
                        ? d
                        : throw new ModelLoadException(model, $"{at}[{item.Key}].inputs.{input.Key}.dims: '{c.Value}' is not a size in [1, 1000000].")).ToArray();
            }

            samples.Add(new ModelWarmupSample { Name = name, BatchSize = Count(item["batch_size"], "batch_size"), Count = Count(item["count"], "count"), Inputs = inputs });

            int Count(string? text, string field) => text is null || text == "0" ? 1
                : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 1000
                    ? n
                    : throw new ModelLoadException(model, $"{at}[{item.Key}].{field} must lie in [1, 1000] (got '{text}').");
        }

        return samples;
    }

    /// <summary>The versions a policy selects from the ones on disk; throws when a specific version is missing or nothing is left.</summary>
    public static IReadOnlyList<(long Version, string Path)> Select(string model, RepositoryModelConfig config, IReadOnlyList<(long Version, string Path)> available)
    {
        if (available.Count == 0 && config.Processing is not null)
        {
            throw new ModelLoadException(model, $"no version folder holds the pipeline's files (expected <repository>/{model}/<version>/…, version numeric).");
        }

        if (available.Count == 0)
        {
            throw new ModelLoadException(model, $"no version folder holds a {ModelFileName} (expected <repository>/{model}/<version>/{ModelFileName}, version numeric).");
        }

        switch (config.Policy)
        {
            case VersionPolicyKind.All:
                return available;
            case VersionPolicyKind.Specific:
                var missing = config.SpecificVersions.Where(v => !available.Any(a => a.Version == v)).ToList();
                if (missing.Count > 0)
                {
                    throw new ModelLoadException(model,
                        $"version_policy.specific asks for version(s) {string.Join(", ", missing)} but the repository has {string.Join(", ", available.Select(static a => a.Version))}.");
                }

                return available.Where(a => config.SpecificVersions.Contains(a.Version)).ToList();
            default:
                return available.Skip(Math.Max(0, available.Count - config.LatestCount)).ToList();
        }
    }

    private string? ModelDirectory(string model)
    {
        if (!ModelNames.IsValidName(model))
        {
            return null;
        }

        var path = ModelNames.ChildPath(Root, model);
        return path is not null && Directory.Exists(path) ? path : null;
    }
}
