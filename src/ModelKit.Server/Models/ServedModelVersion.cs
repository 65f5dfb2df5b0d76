using ModelKit.Binding;
using ModelKit.Reloading;

namespace ModelKit.Server;

/// <summary>
/// One loaded version of a model: its backend and the runner bound to every input and output. Reference-counted: requests
/// acquire it for their duration; <see cref="RetirableResource.Retire"/> (on unload or reload) disposes it once the last request releases it.
/// </summary>
internal sealed class ServedModelVersion : RetirableResource
{
    private readonly bool _ownsBackend;

    public ServedModelVersion(string name, long version, IInferenceBackend backend, bool ownsBackend, string platform,
        SequenceBatchingConfig? sequences = null, ServerMetrics? metrics = null)
    {
        Name = name;
        Version = version;
        VersionText = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Backend = backend;
        _ownsBackend = ownsBackend;
        Platform = platform;
        FullSignature = backend.Signature;
        Signature = FullSignature;
        foreach (var tensor in FullSignature.Inputs.Concat(FullSignature.Outputs))
        {
            if (tensor.ElementType == TensorElementType.Undefined)
            {
                throw new ModelLoadException(name, $"'{tensor.Name}' is not a tensor (sequence, map or optional); the Open Inference Protocol serves tensors only.");
            }
        }

        if (sequences is not null)
        {
            SequenceConfig = sequences;
            SequenceLayout = SequenceLayout.Resolve(name, FullSignature, sequences);
            Signature = SequenceLayout.Client;
        }

        var operation = new OperationDescriptor(name, "infer",
            FullSignature.Inputs.Select(static i => new TensorDescriptor(i.Name, i.ElementType, null, $"input '{i.Name}'")).ToArray(),
            FullSignature.Outputs.Select(static o => new TensorDescriptor(o.Name, o.ElementType, null, $"output '{o.Name}'")).ToArray());
        Runner = backend.Bind(operation);
        AllOutputs = Enumerable.Range(0, Signature.Outputs.Count).ToArray();
        SingleOutputs = AllOutputs.Select(static i => new[] { i }).ToArray();
        var binary = Signature.Inputs.Where(static i => i.ElementType == TensorElementType.Binary).Select(static i => i.Name).ToHashSet(StringComparer.Ordinal);
        BinaryInputs = binary.Count > 0 ? binary : null;
        if (SequenceLayout is not null)
        {
            Sequences = new SequenceBatcher(name, SequenceLayout, sequences!, Runner, metrics);
        }
    }

    /// <summary>The indices of every output of <see cref="Signature"/> (a request that names none); shared, never written.</summary>
    public int[] AllOutputs { get; }

    /// <summary>For each output of <see cref="Signature"/>, the one-element index list of a request that names only it; shared, never written.</summary>
    public int[][] SingleOutputs { get; }

    /// <summary>The BYTES inputs whose elements are binary (<see cref="TensorElementType.Binary"/>), or null when none.</summary>
    public IReadOnlySet<string>? BinaryInputs { get; }

    /// <summary>The decoding limits with <see cref="BinaryInputs"/>, made on first use (see <see cref="ModelServer.LimitsFor(string?, string?)"/>).</summary>
    public ModelKit.Protocol.ProtocolLimits? DecodeLimits { get; set; }

    /// <summary>The model's own signature (what <see cref="Runner"/> binds); <see cref="Signature"/> is what clients see.</summary>
    public ModelSignature FullSignature { get; }

    /// <summary>For a stateful model: its <c>sequence_batching</c> configuration (reported by the model configuration extension); null otherwise.</summary>
    public SequenceBatchingConfig? SequenceConfig { get; }

    /// <summary>For a stateful model (<c>sequence_batching</c>): its layout; null otherwise.</summary>
    public SequenceLayout? SequenceLayout { get; }

    /// <summary>For a stateful model: the sequence batcher that keeps its sequences' state; null otherwise.</summary>
    public SequenceBatcher? Sequences { get; }

    public string Name { get; }

    public long Version { get; }

    public string VersionText { get; }

    public IInferenceBackend Backend { get; }

    public OperationRunner Runner { get; }

    public string Platform { get; }

    /// <summary>The signature clients see: the model's, less the state and constant inputs and state outputs of a stateful model.</summary>
    public ModelSignature Signature { get; }

    /// <summary>The options the version runs with (batching, threads, execution providers), when known: reported by the model configuration extension.</summary>
    public ModelOptions? Options { get; init; }

    /// <summary>The repository configuration (version policy), for repository models.</summary>
    public RepositoryModelConfig? RepositoryConfig { get; init; }

    /// <summary>Class labels (<c>labels.txt</c> beside the model), for the classification extension; null when there are none.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The dynamic batch size limit the version serves with, or 0 when it does not batch (Triton's <c>max_batch_size</c>).</summary>
    public int MaxBatchSize => Options?.Batching is { } batching ? batching.MaxBatchSize : 0;

    protected override void OnReleased()
    {
        Sequences?.Dispose();
        Runner.Dispose();
        if (_ownsBackend)
        {
            Backend.Dispose();
        }
    }

    /// <summary>
    /// Warms the version up and returns the runs made: the repository's <c>model_warmup</c> samples when it has them (each
    /// <c>count</c> times), else <paramref name="runs"/> runs of zero-filled inputs (dynamic dimensions as 1) or a pipeline's own
    /// warm-up inputs. A stateful model runs as a one-request sequence: its initial state (zeros), constants and control values
    /// (START, READY and END true, CORRID 0), never touching a client's sequence.
    /// </summary>
    public int WarmUp(int runs)
    {
        var samples = RepositoryConfig?.Warmup;
        if (samples is null && runs <= 0)
        {
            return 0;
        }

        var plans = samples is not null
            ? samples.Select(sample => (Inputs: SampleInputs(sample), Runs: sample.Count)).ToList()
            : [(Inputs: (Backend as PipelineBackend)?.CreateWarmupInputs() ?? Signature.Inputs.Select(static input => input.CreateZeros()).ToArray(), Runs: runs)];
        int done = 0;
        foreach (var (clientInputs, count) in plans)
        {
            var inputs = SequenceLayout is { } layout ? layout.WarmupInputs(clientInputs) : clientInputs;
            for (int r = 0; r < count; r++)
            {
                var call = Runner.Rent();
                try
                {
                    for (int i = 0; i < inputs.Length; i++)
                    {
                        call.SetInput(i, inputs[i]);
                    }

                    Runner.Run(call);
                    done++;
                }
                finally
                {
                    Runner.Return(call);
                }
            }
        }

        return done;
    }

    private TensorValue[] SampleInputs(ModelWarmupSample sample)
    {
        bool batched = SequenceLayout is not null || MaxBatchSize > 0;
        var values = new TensorValue[Signature.Inputs.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var info = Signature.Inputs[i];
            if (!sample.Inputs.TryGetValue(info.Name, out long[]? dims))
            {
                throw new InvalidOperationException($"model_warmup sample '{sample.Name}' gives no dims for input '{info.Name}'.");
            }

            long[] shape = batched ? [sample.BatchSize, .. dims] : dims;
            bool fits = shape.Length == info.Shape.Length;
            for (int d = 0; fits && d < shape.Length; d++)
            {
                fits = info.Shape[d] < 0 || info.Shape[d] == shape[d];
            }

            if (!fits)
            {
                throw new InvalidOperationException($"model_warmup sample '{sample.Name}': input '{info.Name}' would be {TensorShape.Format(shape)}, which does not fit {ModelServer.Describe(info)}.");
            }

            values[i] = new TensorValue(shape, TensorElementTypes.Allocate(info.ElementType, checked((int)TensorShape.ElementCount(shape))));
        }

        return values;
    }
}

/// <summary>An immutable set of loaded versions, ascending; swapped atomically on load and unload.</summary>
internal sealed class VersionSet(ServedModelVersion[] versions)
{
    public static VersionSet Empty { get; } = new([]);

    public ServedModelVersion[] Versions { get; } = versions;

    public ServedModelVersion? Latest => Versions.Length == 0 ? null : Versions[^1];

    public ServedModelVersion? Find(long version)
    {
        foreach (var v in Versions)
        {
            if (v.Version == version)
            {
                return v;
            }
        }

        return null;
    }

    public string VersionList => Versions.Length == 0 ? "none" : string.Join(", ", Versions.Select(static v => v.VersionText));
}

/// <summary>Where a served model comes from.</summary>
internal enum ModelSource
{
    Registered,
    Repository,
}

/// <summary>Model states as the repository index reports them.</summary>
internal static class ModelStates
{
    public const string Ready = "READY";
    public const string Loading = "LOADING";
    public const string Unavailable = "UNAVAILABLE";
}

/// <summary>A model the server knows: where it comes from, its loaded versions and its state.</summary>
internal sealed class ServedModel(string name, ModelSource source)
{
    private VersionSet _current = VersionSet.Empty;

    public string Name { get; } = name;

    public ModelSource Source { get; } = source;

    public VersionSet Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }

    public string State { get; set; } = ModelStates.Unavailable;

    public string Reason { get; set; } = "not loaded";

    /// <summary>Whether the model should be loaded (start-up or an explicit load); strict readiness waits for these.</summary>
    public bool Wanted { get; set; }

    /// <summary>Serialises loads and unloads of this model.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);
}
