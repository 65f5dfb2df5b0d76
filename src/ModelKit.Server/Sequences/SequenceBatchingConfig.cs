using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ModelKit.Server;

/// <summary>
/// The <c>sequence_batching</c> section of a repository model's <c>config.json</c>: the model is stateful, and the server keeps
/// each sequence's state tensors between requests (Triton's sequence batcher with implicit state). Clients send the other inputs
/// with the request parameters <c>sequence_id</c>, <c>sequence_start</c> and <c>sequence_end</c>; the server stacks the chunks of
/// concurrent sequences into one run.
/// <code>
/// "sequence_batching": {
///   "max_sequence_idle_microseconds": 10000000,
///   "max_sequences": 1024,
///   "max_batch_size": 32,
///   "max_queue_delay_microseconds": 500,
///   "state": [ { "input_name": "state", "output_name": "stateN", "dims": [2, 128], "batch_axis": 1,
///                "initial_state": { "zero_data": true } } ],
///   "constant_input": [ { "name": "sr", "int64_value": 16000 } ],
///   "control_input": [ { "name": "START", "control": [ { "kind": "CONTROL_SEQUENCE_START", "int32_false_true": [0, 1] } ] } ],
///   "oldest": { "max_queue_delay_microseconds": 500, "preferred_batch_size": [16] }
/// }
/// </code>
/// Triton's fields keep Triton's names and meaning (<c>state</c>, <c>control_input</c>, <c>direct</c>, <c>oldest</c>,
/// <c>max_sequence_idle_microseconds</c>); <c>max_sequences</c>, <c>max_batch_size</c>, <c>max_queue_delay_microseconds</c> (outside a
/// strategy), <c>max_pending_per_sequence</c>, <c>constant_input</c> and a state's <c>batch_axis</c> are ModelKit's. A field ModelKit
/// does not know fails the load, naming it.
/// </summary>
public sealed class SequenceBatchingConfig
{
    /// <summary>Triton's default idle limit: 1 s.</summary>
    public static readonly TimeSpan DefaultMaxSequenceIdle = TimeSpan.FromSeconds(1);

    /// <summary>A sequence with no request queued for this long is ended and its state freed (<c>max_sequence_idle_microseconds</c>).</summary>
    public TimeSpan MaxSequenceIdle { get; init; } = DefaultMaxSequenceIdle;

    /// <summary>The most sequences open at once (<c>max_sequences</c>); a start past it is answered 503.</summary>
    public int MaxSequences { get; init; } = 1024;

    /// <summary>The config.json field that set <see cref="MaxSequences"/>, named in the 503 past it.</summary>
    internal string MaxSequencesField { get; init; } = "sequence_batching.max_sequences";

    /// <summary>The most chunks (one per sequence) stacked into one run (<c>max_batch_size</c>).</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>How long the first chunk of a run waits for chunks of other sequences (<c>max_queue_delay_microseconds</c>).</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMicroseconds(500);

    /// <summary>The most chunks of one sequence waiting at once; more are answered 503.</summary>
    public int MaxPendingPerSequence { get; init; } = 16;

    /// <summary>The state tensor pairs the server keeps (<c>state</c>).</summary>
    public IReadOnlyList<SequenceStateConfig> States { get; init; } = [];

    /// <summary>Inputs the server fills with a fixed value (<c>constant_input</c>); clients do not send them.</summary>
    public IReadOnlyList<SequenceConstantInput> ConstantInputs { get; init; } = [];

    /// <summary>Inputs the server fills per batch row with the sequence's control signals (Triton's <c>control_input</c>); clients do not send them.</summary>
    public IReadOnlyList<SequenceControlInput> ControlInputs { get; init; } = [];

    /// <summary>How chunks of different sequences are put in runs (Triton's <c>oldest</c> or <c>direct</c>); default <see cref="SequenceStrategy.Oldest"/>.</summary>
    public SequenceStrategy Strategy { get; init; } = SequenceStrategy.Oldest;

    /// <summary><see cref="SequenceStrategy.Oldest"/>: a run starts at once when it holds one of these numbers of chunks (<c>oldest.preferred_batch_size</c>).</summary>
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];

    /// <summary><see cref="SequenceStrategy.Direct"/>: the share of batch slots that must be ready before a run starts ahead of <see cref="MaxQueueDelay"/> (<c>direct.minimum_slot_utilization</c>); 0: run as soon as one slot is ready.</summary>
    public float MinimumSlotUtilization { get; init; }

    private static readonly string[] FalseTrueFields = ["int32_false_true", "fp32_false_true", "bool_false_true"];

    private static readonly string[] KnownFields =
    [
        "max_sequence_idle_microseconds", "max_sequences", "max_batch_size", "max_queue_delay_microseconds", "max_pending_per_sequence",
        "state", "constant_input", "control_input", "direct", "oldest",
    ];

    /// <summary>Reads the section; throws <see cref="ModelLoadException"/> naming the field at fault.</summary>
    public static SequenceBatchingConfig Read(string model, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        const string at = "config.json: sequence_batching";
        var states = new List<SequenceStateConfig>();
        foreach (var item in section.GetSection("state").GetChildren())
        {
            string input = item["input_name"] ?? throw new ModelLoadException(model, $"{at}.state[{item.Key}] needs input_name.");
            string output = item["output_name"] ?? throw new ModelLoadException(model, $"{at}.state[{item.Key}] needs output_name.");
            var initial = item.GetSection("initial_state");
            if (initial.GetSection("0").Exists())
            {
                // Triton's form: a list of one initial state.
                if (initial.GetSection("1").Exists())
                {
                    throw new ModelLoadException(model, $"{at}.state[{item.Key}].initial_state: one initial state per state pair.");
                }

                initial = initial.GetSection("0");
            }

            // Triton's oneof state_data: zero_data (zeros), or data_file (raw row-major bytes in the model folder's initial_state/).
            string? dataFile = initial.Exists() ? initial["data_file"] : null;
            if (initial.Exists())
            {
                bool zeros = initial["zero_data"] is not null;
                if (zeros == (dataFile is not null) || (zeros && !string.Equals(initial["zero_data"], "true", StringComparison.OrdinalIgnoreCase)))
                {
                    throw new ModelLoadException(model, $"{at}.state[{item.Key}].initial_state: give one of {{\"zero_data\": true}} (the state starts as zeros) or {{\"data_file\": \"<file in the model folder's initial_state/>\"}}.");
                }

                if (dataFile is not null && (dataFile.Length == 0 || Path.IsPathRooted(dataFile) || dataFile.Split('/', '\\').Any(static part => part is ".." or "")))
                {
                    throw new ModelLoadException(model, $"{at}.state[{item.Key}].initial_state.data_file '{dataFile}' must name a file inside the model folder's initial_state/ directory.");
                }
            }

            long[]? dims = item.GetSection("dims").Exists()
                ? item.GetSection("dims").GetChildren().Select(c => Long(model, $"{at}.state[{item.Key}].dims", c.Value)).ToArray()
                : null;
            states.Add(new SequenceStateConfig
            {
                InputName = input,
                OutputName = output,
                Dims = dims,
                BatchAxis = (int)Long(model, $"{at}.state[{item.Key}].batch_axis", item["batch_axis"] ?? "0"),
                DataType = item["data_type"],
                InitialDataFile = dataFile,
            });
        }

        var constants = new List<SequenceConstantInput>();
        foreach (var item in section.GetSection("constant_input").GetChildren())
        {
            string name = item["name"] ?? throw new ModelLoadException(model, $"{at}.constant_input[{item.Key}] needs name.");
            string? text = item["int64_value"] ?? item["fp32_value"] ?? item["value"]
                ?? throw new ModelLoadException(model, $"{at}.constant_input[{item.Key}] needs a value (int64_value, fp32_value or value).");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                throw new ModelLoadException(model, $"{at}.constant_input[{item.Key}]: '{text}' is not a number.");
            }

            constants.Add(new SequenceConstantInput { Name = name, Value = value });
        }

        foreach (var field in section.GetChildren())
        {
            if (!KnownFields.Contains(field.Key, StringComparer.Ordinal))
            {
                throw new ModelLoadException(model, $"{at} has no field '{field.Key}'. The scheduling strategies are Triton's 'oldest' and 'direct'; the other fields are {string.Join(", ", KnownFields.Where(static f => f is not "direct" and not "oldest"))}.");
            }
        }

        var controls = ReadControls(model, section.GetSection("control_input"));
        // "direct": {} has no values, so Exists() is false for it; its key is still among the section's children.
        var present = section.GetChildren().Select(static c => c.Key).ToHashSet(StringComparer.Ordinal);
        bool isDirect = present.Contains("direct");
        var direct = section.GetSection("direct");
        var oldest = section.GetSection("oldest");
        if (isDirect && present.Contains("oldest"))
        {
            throw new ModelLoadException(model, $"{at} sets both 'direct' and 'oldest'; choose one scheduling strategy.");
        }

        var strategy = isDirect ? SequenceStrategy.Direct : SequenceStrategy.Oldest;
        var strategySection = isDirect ? direct : oldest;
        string strategyName = isDirect ? "direct" : "oldest";
        string[] strategyFields = isDirect
            ? ["max_queue_delay_microseconds", "minimum_slot_utilization"]
            : ["max_queue_delay_microseconds", "preferred_batch_size", "max_candidate_sequences", "preserve_ordering"];
        foreach (var field in strategySection.GetChildren())
        {
            if (!strategyFields.Contains(field.Key, StringComparer.Ordinal))
            {
                throw new ModelLoadException(model, $"{at}.{strategyName} has no field '{field.Key}'; its fields are {string.Join(", ", strategyFields)}.");
            }
        }

        if (strategySection["preserve_ordering"] is { } ordering && !bool.TryParse(ordering, out _))
        {
            throw new ModelLoadException(model, $"{at}.oldest.preserve_ordering must be true or false (got '{ordering}'); a sequence's requests are always answered in order.");
        }

        var preferred = strategySection.GetSection("preferred_batch_size").GetChildren()
            .Select(c => Positive(model, $"{at}.oldest.preferred_batch_size", c.Value, 1)).Distinct().Order().ToArray();
        float utilization = 0;
        if (strategySection["minimum_slot_utilization"] is { } utilizationText
            && (!float.TryParse(utilizationText, NumberStyles.Float, CultureInfo.InvariantCulture, out utilization) || utilization is < 0 or > 1))
        {
            throw new ModelLoadException(model, $"{at}.direct.minimum_slot_utilization must lie in [0, 1] (got '{utilizationText}').");
        }

        string? candidates = strategySection["max_candidate_sequences"];
        if (candidates is not null && section["max_sequences"] is not null)
        {
            throw new ModelLoadException(model, $"{at} sets both max_sequences and oldest.max_candidate_sequences; they are the same limit here (ModelKit keeps no backlog: past it a start is answered 503). Set one.");
        }

        string? delay = strategySection["max_queue_delay_microseconds"];
        if (delay is not null && section["max_queue_delay_microseconds"] is not null)
        {
            throw new ModelLoadException(model, $"{at} sets max_queue_delay_microseconds both at its top and in '{strategyName}'; set it in '{strategyName}' (Triton's place).");
        }

        if (states.Count == 0 && controls.Count == 0)
        {
            throw new ModelLoadException(model, $"{at} needs at least one state pair (input_name, output_name) or control_input: without either a model needs no sequences.");
        }

        var config = new SequenceBatchingConfig
        {
            MaxSequenceIdle = Micros(model, $"{at}.max_sequence_idle_microseconds", section["max_sequence_idle_microseconds"], DefaultMaxSequenceIdle, zeroIsDefault: true),
            MaxSequences = candidates is not null
                ? Positive(model, $"{at}.oldest.max_candidate_sequences", candidates, 1024)
                : Positive(model, $"{at}.max_sequences", section["max_sequences"], 1024),
            MaxSequencesField = candidates is not null ? "sequence_batching.oldest.max_candidate_sequences" : "sequence_batching.max_sequences",
            MaxBatchSize = Positive(model, $"{at}.max_batch_size", section["max_batch_size"], 32),
            // Triton's direct strategy waits only when minimum_slot_utilization asks for it; oldest (and ModelKit's top-level field) default to 500 µs.
            MaxQueueDelay = delay is not null
                ? Micros(model, $"{at}.{strategyName}.max_queue_delay_microseconds", delay, TimeSpan.Zero, zeroIsDefault: false)
                : Micros(model, $"{at}.max_queue_delay_microseconds", section["max_queue_delay_microseconds"], strategy == SequenceStrategy.Direct ? TimeSpan.Zero : TimeSpan.FromMicroseconds(500), zeroIsDefault: false),
            MaxPendingPerSequence = Positive(model, $"{at}.max_pending_per_sequence", section["max_pending_per_sequence"], 16),
            States = states,
            ConstantInputs = constants,
            ControlInputs = controls,
            Strategy = strategy,
            PreferredBatchSizes = preferred,
            MinimumSlotUtilization = utilization,
        };
        return config;
    }

    private static List<SequenceControlInput> ReadControls(string model, IConfigurationSection section)
    {
        const string at = "config.json: sequence_batching.control_input";
        var controls = new List<SequenceControlInput>();
        foreach (var item in section.GetChildren())
        {
            string name = item["name"] ?? throw new ModelLoadException(model, $"{at}[{item.Key}] needs name (the model input the server fills).");
            var list = item.GetSection("control").GetChildren().ToList();
            if (list.Count != 1)
            {
                throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}' needs exactly one control (got {list.Count}).");
            }

            var control = list[0];
            string kindText = control["kind"] ?? "CONTROL_SEQUENCE_START"; // proto3: the default enum value is left out of JSON
            SequenceControlKind kind = kindText switch
            {
                "CONTROL_SEQUENCE_START" => SequenceControlKind.Start,
                "CONTROL_SEQUENCE_READY" => SequenceControlKind.Ready,
                "CONTROL_SEQUENCE_END" => SequenceControlKind.End,
                "CONTROL_SEQUENCE_CORRID" => SequenceControlKind.CorrelationId,
                _ => throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': kind '{kindText}' is not one of CONTROL_SEQUENCE_START, CONTROL_SEQUENCE_READY, CONTROL_SEQUENCE_END, CONTROL_SEQUENCE_CORRID."),
            };
            var given = FalseTrueFields.Where(f => control.GetSection(f).Exists()).ToList();
            if (kind == SequenceControlKind.CorrelationId)
            {
                if (given.Count > 0)
                {
                    throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': CONTROL_SEQUENCE_CORRID carries the id itself; it takes data_type, not {given[0]}.");
                }

                string dataType = control["data_type"] ?? throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': CONTROL_SEQUENCE_CORRID needs data_type (TYPE_UINT64, TYPE_INT64, TYPE_UINT32 or TYPE_INT32).");
                var type = dataType switch
                {
                    "TYPE_UINT64" => TensorElementType.UInt64,
                    "TYPE_INT64" => TensorElementType.Int64,
                    "TYPE_UINT32" => TensorElementType.UInt32,
                    "TYPE_INT32" => TensorElementType.Int32,
                    "TYPE_STRING" => throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': a TYPE_STRING correlation id is not supported; use TYPE_UINT64, TYPE_INT64, TYPE_UINT32 or TYPE_INT32 (numeric sequence ids)."),
                    _ => throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': CONTROL_SEQUENCE_CORRID data_type must be TYPE_UINT64, TYPE_INT64, TYPE_UINT32 or TYPE_INT32 (got '{dataType}')."),
                };
                controls.Add(new SequenceControlInput { Name = name, Kind = kind, ElementType = type });
                continue;
            }

            if (given.Count != 1)
            {
                throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': {kindText} needs exactly one of int32_false_true, fp32_false_true, bool_false_true (got {(given.Count == 0 ? "none" : string.Join(", ", given))}).");
            }

            var values = control.GetSection(given[0]).GetChildren().Select(c => c.Value).ToArray();
            if (values.Length != 2)
            {
                throw new ModelLoadException(model, $"{at}[{item.Key}] '{name}': {given[0]} needs two entries, the false value then the true value (got {values.Length}).");
            }

            var (elementType, falseValue, trueValue) = given[0] switch
            {
                "int32_false_true" => (TensorElementType.Int32, Long(model, $"{at}[{item.Key}].int32_false_true", values[0]), Long(model, $"{at}[{item.Key}].int32_false_true", values[1])),
                "fp32_false_true" => (TensorElementType.Float, Number(model, $"{at}[{item.Key}].fp32_false_true", values[0]), Number(model, $"{at}[{item.Key}].fp32_false_true", values[1])),
                _ => (TensorElementType.Bool, Bool(model, $"{at}[{item.Key}].bool_false_true", values[0]), Bool(model, $"{at}[{item.Key}].bool_false_true", values[1])),
            };
            controls.Add(new SequenceControlInput { Name = name, Kind = kind, ElementType = elementType, FalseValue = falseValue, TrueValue = trueValue });
        }

        foreach (var duplicate in controls.GroupBy(static c => c.Name, StringComparer.Ordinal).Where(static g => g.Count() > 1))
        {
            throw new ModelLoadException(model, $"{at}: input '{duplicate.Key}' is named by more than one control_input.");
        }

        foreach (var duplicate in controls.GroupBy(static c => c.Kind).Where(static g => g.Count() > 1))
        {
            throw new ModelLoadException(model, $"{at}: {duplicate.Count()} inputs carry the same control ({string.Join(", ", duplicate.Select(static c => $"'{c.Name}'"))}); each kind goes to one input.");
        }

        return controls;
    }

    private static double Number(string model, string field, string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw new ModelLoadException(model, $"{field} must be a number (got '{text}').");

    private static double Bool(string model, string field, string? text) =>
        bool.TryParse(text, out bool value) ? (value ? 1 : 0) : throw new ModelLoadException(model, $"{field} must be true or false (got '{text}').");

    private static long Long(string model, string field, string? text)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw new ModelLoadException(model, $"{field} must be an integer (got '{text}').");
        }

        return value;
    }

    private static int Positive(string model, string field, string? text, int fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        long value = Long(model, field, text);
        if (value is < 1 or > 1_000_000)
        {
            throw new ModelLoadException(model, $"{field} must lie in [1, 1000000] (got {value}).");
        }

        return (int)value;
    }

    private static TimeSpan Micros(string model, string field, string? text, TimeSpan fallback, bool zeroIsDefault)
    {
        if (text is null)
        {
            return fallback;
        }

        long value = Long(model, field, text);
        if (value < 0 || value > 86_400_000_000L)
        {
            throw new ModelLoadException(model, $"{field} must lie in [0, 86400000000] (got {value}).");
        }

        return value == 0 && zeroIsDefault ? fallback : TimeSpan.FromMicroseconds(value);
    }
}

/// <summary>One state tensor pair of a <see cref="SequenceBatchingConfig"/>: the model's output that becomes its input on the sequence's next request.</summary>
public sealed class SequenceStateConfig
{
    /// <summary>The model input that receives the state (<c>input_name</c>).</summary>
    public required string InputName { get; init; }

    /// <summary>The model output that holds the next state (<c>output_name</c>).</summary>
    public required string OutputName { get; init; }

    /// <summary>One sequence's state shape without the batch dimension (<c>dims</c>); null: the model's shape without its batch axis.</summary>
    public long[]? Dims { get; init; }

    /// <summary>Where the batch dimension sits in the model's state tensor (<c>batch_axis</c>; Silero VAD v5: 1, for <c>[2, batch, 128]</c>).</summary>
    public int BatchAxis { get; init; }

    /// <summary>The declared datatype (<c>data_type</c>, e.g. <c>TYPE_FP32</c>), checked against the model; null: the model's.</summary>
    public string? DataType { get; init; }

    /// <summary>
    /// <c>initial_state.data_file</c>: the file, in the model folder's <c>initial_state/</c> directory, whose raw little-endian
    /// bytes (one sequence's state in row-major order, without the batch dimension) every sequence starts from; null: zeros
    /// (<c>zero_data</c>). Its size must be exactly one sequence's state.
    /// </summary>
    public string? InitialDataFile { get; init; }

    /// <summary>The bytes of <see cref="InitialDataFile"/>, read when the model's folder is (null for zeros).</summary>
    internal byte[]? InitialData { get; set; }
}

/// <summary>An input the server fills with one fixed value for every run (Silero VAD's sample rate <c>sr</c>).</summary>
public sealed class SequenceConstantInput
{
    /// <summary>The model input.</summary>
    public required string Name { get; init; }

    /// <summary>The value, converted to the input's element type; the tensor takes the input's shape with every dimension 1 (a scalar for a scalar input).</summary>
    public double Value { get; init; }
}

/// <summary>The control signals Triton's sequence batcher gives a model (<c>control_input</c> kinds).</summary>
public enum SequenceControlKind
{
    /// <summary><c>CONTROL_SEQUENCE_START</c>: true on a sequence's first request.</summary>
    Start,

    /// <summary><c>CONTROL_SEQUENCE_READY</c>: true where the batch row holds a request (false on an idle slot of the direct strategy).</summary>
    Ready,

    /// <summary><c>CONTROL_SEQUENCE_END</c>: true on a sequence's last request.</summary>
    End,

    /// <summary><c>CONTROL_SEQUENCE_CORRID</c>: the sequence's correlation id (numeric ids only).</summary>
    CorrelationId,
}

/// <summary>One <c>control_input</c>: a model input the server fills, one value per batch row, with a control signal.</summary>
public sealed class SequenceControlInput
{
    /// <summary>The model input.</summary>
    public required string Name { get; init; }

    /// <summary>The signal.</summary>
    public SequenceControlKind Kind { get; init; }

    /// <summary>The input's element type: INT32, FP32 or BOOL for a flag (the <c>*_false_true</c> field given), the <c>data_type</c> of a correlation id.</summary>
    public TensorElementType ElementType { get; init; }

    /// <summary>A flag's value when false (first entry of <c>*_false_true</c>).</summary>
    public double FalseValue { get; init; }

    /// <summary>A flag's value when true (second entry of <c>*_false_true</c>).</summary>
    public double TrueValue { get; init; } = 1;
}

/// <summary>Triton's sequence scheduling strategies (<c>sequence_batching.oldest</c> / <c>.direct</c>).</summary>
public enum SequenceStrategy
{
    /// <summary>
    /// Each run takes the next chunk of the sequences that have one, oldest first, up to the batch size; a sequence takes any row.
    /// ModelKit's default. Unlike Triton, every open sequence is a candidate (no backlog): <c>max_sequences</c> (or
    /// <c>max_candidate_sequences</c>) caps open sequences, and a start past it is answered 503.
    /// </summary>
    Oldest,

    /// <summary>
    /// Each sequence is bound to one batch slot (row) for its life; a run holds rows 0 to the highest ready slot, and rows whose
    /// sequence has nothing ready are filled with zeros and <c>CONTROL_SEQUENCE_READY</c> false (their outputs are dropped and
    /// their state kept). A sequence started while every slot is bound waits in a backlog until a slot frees (its sequence ends or
    /// expires), as in Triton.
    /// </summary>
    Direct,
}
