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
        int maxBatch = served.MaxBatchSize;
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

        return config;
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
