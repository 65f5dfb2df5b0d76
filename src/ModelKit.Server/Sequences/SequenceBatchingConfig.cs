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
///   "constant_input": [ { "name": "sr", "int64_value": 16000 } ]
/// }
/// </code>
/// </summary>
public sealed class SequenceBatchingConfig
{
    /// <summary>Triton's default idle limit: 1 s.</summary>
    public static readonly TimeSpan DefaultMaxSequenceIdle = TimeSpan.FromSeconds(1);

    /// <summary>A sequence with no request queued for this long is ended and its state freed (<c>max_sequence_idle_microseconds</c>).</summary>
    public TimeSpan MaxSequenceIdle { get; init; } = DefaultMaxSequenceIdle;

    /// <summary>The most sequences open at once (<c>max_sequences</c>); a start past it is answered 503.</summary>
    public int MaxSequences { get; init; } = 1024;

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
            if (initial.Exists() && !string.Equals(initial["zero_data"], "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelLoadException(model, $"{at}.state[{item.Key}].initial_state: only {{\"zero_data\": true}} is supported (the state starts as zeros).");
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

        if (states.Count == 0)
        {
            throw new ModelLoadException(model, $"{at} needs at least one state pair (input_name, output_name): without state a model needs no sequences.");
        }

        var config = new SequenceBatchingConfig
        {
            MaxSequenceIdle = Micros(model, $"{at}.max_sequence_idle_microseconds", section["max_sequence_idle_microseconds"], DefaultMaxSequenceIdle, zeroIsDefault: true),
            MaxSequences = Positive(model, $"{at}.max_sequences", section["max_sequences"], 1024),
            MaxBatchSize = Positive(model, $"{at}.max_batch_size", section["max_batch_size"], 32),
            MaxQueueDelay = Micros(model, $"{at}.max_queue_delay_microseconds", section["max_queue_delay_microseconds"], TimeSpan.FromMicroseconds(500), zeroIsDefault: false),
            MaxPendingPerSequence = Positive(model, $"{at}.max_pending_per_sequence", section["max_pending_per_sequence"], 16),
            States = states,
            ConstantInputs = constants,
        };
        return config;
    }

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
}

/// <summary>An input the server fills with one fixed value for every run (Silero VAD's sample rate <c>sr</c>).</summary>
public sealed class SequenceConstantInput
{
    /// <summary>The model input.</summary>
    public required string Name { get; init; }

    /// <summary>The value, converted to the input's element type; the tensor takes the input's shape with every dimension 1 (a scalar for a scalar input).</summary>
    public double Value { get; init; }
}
