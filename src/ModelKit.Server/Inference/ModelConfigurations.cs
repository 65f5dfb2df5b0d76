using System.Text.Json;
using ModelKit.Protocol;
using ModelKit.Server.Triton;

namespace ModelKit.Server;

/// <summary>
/// Triton's model configuration extension (<c>GET /v2/models/{m}[/versions/{v}]/config</c>, gRPC <c>ModelConfig</c>): the
/// configuration ModelKit actually runs the model with, in Triton's <c>ModelConfig</c> form — name, platform, backend, version
/// policy, <c>max_batch_size</c> (the dynamic batcher's limit; 0 without batching), inputs and outputs with dims (without the batch
/// dimension when batching, -1 for dynamic sizes), dynamic batching, one CPU (or GPU) instance group, the label file.
/// </summary>
internal static class ModelConfigurations
{
    /// <summary>The extension's name in <c>GET /v2</c>.</summary>
    public const string Extension = "model_configuration";

    /// <summary>Triton's platform of ONNX Runtime models.</summary>
    public const string TritonOnnxPlatform = "onnxruntime_onnx";

    public static ModelConfig Build(ServedModelVersion served)
    {
        var options = served.Options;
        // A sequence model batches its sequences: Triton reports its max_batch_size and dims without the batch dimension.
        int maxBatch = served.SequenceLayout?.MaxBatchSize ?? served.MaxBatchSize;
        var config = new ModelConfig
        {
            Name = served.Name,
            // Triton's name for ONNX models (model metadata keeps the protocol's onnx_onnxv1).
            Platform = served.Platform == ProtocolNames.OnnxPlatform ? TritonOnnxPlatform : served.Platform,
            Backend = served.Platform == ProtocolNames.OnnxPlatform ? "onnxruntime" : "modelkit",
            MaxBatchSize = maxBatch,
            DefaultModelFilename = ModelRepository.ModelFileName,
            VersionPolicy = Policy(served.RepositoryConfig),
        };
        foreach (var input in served.Signature.Inputs)
        {
            var wire = new ModelInput { Name = input.Name, DataType = DataTypeOf(input.ElementType) };
            wire.Dims.AddRange(Dims(input.Shape, maxBatch));
            config.Input.Add(wire);
        }

        foreach (var output in served.Signature.Outputs)
        {
            var wire = new ModelOutput { Name = output.Name, DataType = DataTypeOf(output.ElementType), LabelFilename = served.Labels is null ? string.Empty : Classification.LabelFileName };
            wire.Dims.AddRange(Dims(output.Shape, maxBatch));
            config.Output.Add(wire);
        }

        bool gpu = options?.ExecutionProviders.Any(static p => p.Contains("cuda", StringComparison.OrdinalIgnoreCase) || p.Contains("tensorrt", StringComparison.OrdinalIgnoreCase)) == true;
        var group = new ModelInstanceGroup { Name = served.Name, Count = Math.Max(1, options?.Batching?.ConcurrentBatches ?? 1), Kind = gpu ? ModelInstanceGroup.Types.Kind.Gpu : ModelInstanceGroup.Types.Kind.Cpu };
        if (gpu)
        {
            group.Gpus.Add(options!.CudaDeviceId);
        }

        config.InstanceGroup.Add(group);
        if (options?.Batching is { } batching)
        {
            var dynamic = new ModelDynamicBatching { MaxQueueDelayMicroseconds = (ulong)Math.Max(0, batching.MaxQueueDelay.Ticks / 10) };
            dynamic.PreferredBatchSize.AddRange(batching.PreferredBatchSizes);
            config.DynamicBatching = dynamic;
        }

        if (served.SequenceLayout is { } layout && served.SequenceConfig is { } sequences)
        {
            config.SequenceBatching = Sequences(layout, sequences);
        }

        return config;
    }

    /// <summary>The <c>sequence_batching</c> section as Triton's <c>ModelSequenceBatching</c>: state pairs, control inputs, strategy, idle limit.</summary>
    private static ModelSequenceBatching Sequences(SequenceLayout layout, SequenceBatchingConfig sequences)
    {
        var batching = new ModelSequenceBatching { MaxSequenceIdleMicroseconds = (ulong)(sequences.MaxSequenceIdle.Ticks / 10) };
        foreach (var control in layout.Controls)
        {
            var wire = new ModelSequenceBatching.Types.Control
            {
                Kind = control.Control.Kind switch
                {
                    SequenceControlKind.Start => ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceStart,
                    SequenceControlKind.Ready => ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceReady,
                    SequenceControlKind.End => ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceEnd,
                    _ => ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceCorrid,
                },
            };
            if (control.Control.Kind == SequenceControlKind.CorrelationId)
            {
                wire.DataType = DataTypeOf(control.Control.ElementType);
            }
            else if (control.Control.ElementType == TensorElementType.Int32)
            {
                wire.Int32FalseTrue.Add([(int)control.Control.FalseValue, (int)control.Control.TrueValue]);
            }
            else if (control.Control.ElementType == TensorElementType.Float)
            {
                wire.Fp32FalseTrue.Add([(float)control.Control.FalseValue, (float)control.Control.TrueValue]);
            }
            else
            {
                wire.BoolFalseTrue.Add([control.Control.FalseValue != 0, control.Control.TrueValue != 0]);
            }

            var input = new ModelSequenceBatching.Types.ControlInput { Name = control.Control.Name };
            input.Control.Add(wire);
            batching.ControlInput.Add(input);
        }

        foreach (var state in layout.States)
        {
            var wire = new ModelSequenceBatching.Types.State
            {
                InputName = layout.Full.Inputs[state.Input].Name,
                OutputName = layout.Full.Outputs[state.Output].Name,
                DataType = DataTypeOf(state.ElementType),
            };
            wire.Dims.AddRange(state.Dims);
            string? dataFile = sequences.States.FirstOrDefault(s => s.InputName == wire.InputName)?.InitialDataFile;
            var initial = dataFile is null
                ? new ModelSequenceBatching.Types.InitialState { DataType = wire.DataType, ZeroData = true, Name = "zeros" }
                : new ModelSequenceBatching.Types.InitialState { DataType = wire.DataType, DataFile = dataFile, Name = dataFile };
            initial.Dims.AddRange(state.Dims);
            wire.InitialState.Add(initial);
            batching.State.Add(wire);
        }

        ulong delay = (ulong)Math.Max(0, sequences.MaxQueueDelay.Ticks / 10);
        if (sequences.Strategy == SequenceStrategy.Direct)
        {
            batching.Direct = new ModelSequenceBatching.Types.StrategyDirect { MaxQueueDelayMicroseconds = delay, MinimumSlotUtilization = sequences.MinimumSlotUtilization };
        }
        else
        {
            batching.Oldest = new ModelSequenceBatching.Types.StrategyOldest
            {
                // Every open sequence is a candidate (no backlog): max_sequences is the limit.
                MaxCandidateSequences = sequences.MaxSequences,
                MaxQueueDelayMicroseconds = delay,
                PreserveOrdering = true,
            };
            batching.Oldest.PreferredBatchSize.AddRange(sequences.PreferredBatchSizes);
        }

        return batching;
    }

    /// <summary>Writes the configuration as Triton's HTTP endpoint does: protobuf field names, enum names, dims as numbers.</summary>
    public static void WriteJson(Utf8JsonWriter writer, ModelConfig config)
    {
        writer.WriteStartObject();
        writer.WriteString("name", config.Name);
        writer.WriteString("platform", config.Platform);
        writer.WriteString("backend", config.Backend);
        writer.WriteStartObject("version_policy");
        switch (config.VersionPolicy.PolicyChoiceCase)
        {
            case ModelVersionPolicy.PolicyChoiceOneofCase.All:
                writer.WriteStartObject("all");
                writer.WriteEndObject();
                break;
            case ModelVersionPolicy.PolicyChoiceOneofCase.Specific:
                writer.WriteStartObject("specific");
                WriteNumbers(writer, "versions", config.VersionPolicy.Specific.Versions);
                writer.WriteEndObject();
                break;
            default:
                writer.WriteStartObject("latest");
                writer.WriteNumber("num_versions", config.VersionPolicy.Latest?.NumVersions ?? 1);
                writer.WriteEndObject();
                break;
        }

        writer.WriteEndObject();
        writer.WriteNumber("max_batch_size", config.MaxBatchSize);
        writer.WriteStartArray("input");
        foreach (var input in config.Input)
        {
            writer.WriteStartObject();
            writer.WriteString("name", input.Name);
            writer.WriteString("data_type", Name(input.DataType));
            writer.WriteString("format", "FORMAT_NONE");
            WriteNumbers(writer, "dims", input.Dims);
            writer.WriteBoolean("is_shape_tensor", false);
            writer.WriteBoolean("allow_ragged_batch", false);
            writer.WriteBoolean("optional", false);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("output");
        foreach (var output in config.Output)
        {
            writer.WriteStartObject();
            writer.WriteString("name", output.Name);
            writer.WriteString("data_type", Name(output.DataType));
            WriteNumbers(writer, "dims", output.Dims);
            writer.WriteString("label_filename", output.LabelFilename);
            writer.WriteBoolean("is_shape_tensor", false);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("instance_group");
        foreach (var group in config.InstanceGroup)
        {
            writer.WriteStartObject();
            writer.WriteString("name", group.Name);
            writer.WriteString("kind", group.Kind == ModelInstanceGroup.Types.Kind.Gpu ? "KIND_GPU" : "KIND_CPU");
            writer.WriteNumber("count", group.Count);
            WriteNumbers(writer, "gpus", group.Gpus.Select(static g => (long)g));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("default_model_filename", config.DefaultModelFilename);
        if (config.DynamicBatching is { } dynamic)
        {
            writer.WriteStartObject("dynamic_batching");
            WriteNumbers(writer, "preferred_batch_size", dynamic.PreferredBatchSize.Select(static s => (long)s));
            writer.WriteNumber("max_queue_delay_microseconds", dynamic.MaxQueueDelayMicroseconds);
            writer.WriteBoolean("preserve_ordering", dynamic.PreserveOrdering);
            writer.WriteEndObject();
        }

        if (config.SequenceBatching is { } sequences)
        {
            WriteSequences(writer, sequences);
        }

        writer.WriteEndObject();
    }

    private static void WriteSequences(Utf8JsonWriter writer, ModelSequenceBatching sequences)
    {
        writer.WriteStartObject("sequence_batching");
        writer.WriteNumber("max_sequence_idle_microseconds", sequences.MaxSequenceIdleMicroseconds);
        writer.WriteStartArray("control_input");
        foreach (var input in sequences.ControlInput)
        {
            writer.WriteStartObject();
            writer.WriteString("name", input.Name);
            writer.WriteStartArray("control");
            foreach (var control in input.Control)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", control.Kind switch
                {
                    ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceStart => "CONTROL_SEQUENCE_START",
                    ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceReady => "CONTROL_SEQUENCE_READY",
                    ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceEnd => "CONTROL_SEQUENCE_END",
                    _ => "CONTROL_SEQUENCE_CORRID",
                });
                WriteNumbers(writer, "int32_false_true", control.Int32FalseTrue.Select(static v => (long)v));
                writer.WriteStartArray("fp32_false_true");
                foreach (float v in control.Fp32FalseTrue)
                {
                    writer.WriteNumberValue(v);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("bool_false_true");
                foreach (bool v in control.BoolFalseTrue)
                {
                    writer.WriteBooleanValue(v);
                }

                writer.WriteEndArray();
                writer.WriteString("data_type", Name(control.DataType));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("state");
        foreach (var state in sequences.State)
        {
            writer.WriteStartObject();
            writer.WriteString("input_name", state.InputName);
            writer.WriteString("output_name", state.OutputName);
            writer.WriteString("data_type", Name(state.DataType));
            WriteNumbers(writer, "dims", state.Dims);
            writer.WriteStartArray("initial_state");
            foreach (var initial in state.InitialState)
            {
                writer.WriteStartObject();
                writer.WriteString("data_type", Name(initial.DataType));
                WriteNumbers(writer, "dims", initial.Dims);
                if (initial.StateDataCase == ModelSequenceBatching.Types.InitialState.StateDataOneofCase.DataFile)
                {
                    writer.WriteString("data_file", initial.DataFile);
                }
                else
                {
                    writer.WriteBoolean("zero_data", initial.ZeroData);
                }

                writer.WriteString("name", initial.Name);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("use_same_buffer_for_input_output", state.UseSameBufferForInputOutput);
            writer.WriteBoolean("use_growable_memory", state.UseGrowableMemory);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (sequences.Direct is { } direct)
        {
            writer.WriteStartObject("direct");
            writer.WriteNumber("max_queue_delay_microseconds", direct.MaxQueueDelayMicroseconds);
            writer.WriteNumber("minimum_slot_utilization", direct.MinimumSlotUtilization);
            writer.WriteEndObject();
        }
        else if (sequences.Oldest is { } oldest)
        {
            writer.WriteStartObject("oldest");
            writer.WriteNumber("max_candidate_sequences", oldest.MaxCandidateSequences);
            WriteNumbers(writer, "preferred_batch_size", oldest.PreferredBatchSize.Select(static s => (long)s));
            writer.WriteNumber("max_queue_delay_microseconds", oldest.MaxQueueDelayMicroseconds);
            writer.WriteBoolean("preserve_ordering", oldest.PreserveOrdering);
            writer.WriteEndObject();
        }

        writer.WriteBoolean("iterative_sequence", sequences.IterativeSequence);
        writer.WriteEndObject();
    }

    private static ModelVersionPolicy Policy(RepositoryModelConfig? config)
    {
        var policy = new ModelVersionPolicy();
        switch (config?.Policy)
        {
            case VersionPolicyKind.All:
                policy.All = new ModelVersionPolicy.Types.All();
                break;
            case VersionPolicyKind.Specific:
                policy.Specific = new ModelVersionPolicy.Types.Specific();
                policy.Specific.Versions.AddRange(config.SpecificVersions);
                break;
            default:
                policy.Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)Math.Max(1, config?.LatestCount ?? 1) };
                break;
        }

        return policy;
    }

    /// <summary>Triton's dims: without the batch dimension when the model batches.</summary>
    private static long[] Dims(long[] shape, int maxBatch) => maxBatch > 0 && shape.Length > 0 ? shape[1..] : shape;

    private static void WriteNumbers(Utf8JsonWriter writer, string name, IEnumerable<long> values)
    {
        writer.WriteStartArray(name);
        foreach (long value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static readonly string[] TypeNames =
    [
        "TYPE_INVALID", "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8", "TYPE_INT16", "TYPE_INT32",
        "TYPE_INT64", "TYPE_FP16", "TYPE_FP32", "TYPE_FP64", "TYPE_STRING", "TYPE_BF16",
    ];

    private static string Name(DataType type) => (int)type is >= 0 and < 15 ? TypeNames[(int)type] : "TYPE_INVALID";

    private static DataType DataTypeOf(TensorElementType type) => type switch
    {
        TensorElementType.Bool => DataType.TypeBool,
        TensorElementType.UInt8 => DataType.TypeUint8,
        TensorElementType.UInt16 => DataType.TypeUint16,
        TensorElementType.UInt32 => DataType.TypeUint32,
        TensorElementType.UInt64 => DataType.TypeUint64,
        TensorElementType.Int8 => DataType.TypeInt8,
        TensorElementType.Int16 => DataType.TypeInt16,
        TensorElementType.Int32 => DataType.TypeInt32,
        TensorElementType.Int64 => DataType.TypeInt64,
        TensorElementType.Float16 => DataType.TypeFp16,
        TensorElementType.Float => DataType.TypeFp32,
        TensorElementType.Double => DataType.TypeFp64,
        TensorElementType.String or TensorElementType.Binary => DataType.TypeString,
        TensorElementType.BFloat16 => DataType.TypeBf16,
        _ => DataType.TypeInvalid,
    };
}
