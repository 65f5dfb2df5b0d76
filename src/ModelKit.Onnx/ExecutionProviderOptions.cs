using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace ModelKit.Onnx;

/// <summary>Builds ONNX Runtime session options from <see cref="ModelOptions"/>: threads, graph optimisation, execution providers.</summary>
internal static partial class ExecutionProviderOptions
{
    public const string GpuHint =
        "The CPU package Microsoft.ML.OnnxRuntime carries only the CPU provider: reference Microsoft.ML.OnnxRuntime.Gpu (Windows/Linux) in its place, " +
        "with CUDA and cuDNN installed, to use 'cuda' or 'tensorrt' (see the README, \"GPU execution providers\").";

    private static readonly Dictionary<string, string> NativeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cpu"] = "CPUExecutionProvider",
        ["cuda"] = "CUDAExecutionProvider",
        ["tensorrt"] = "TensorrtExecutionProvider",
        ["rocm"] = "ROCMExecutionProvider",
        ["dnnl"] = "DnnlExecutionProvider",
        ["openvino"] = "OpenVINOExecutionProvider",
        ["directml"] = "DmlExecutionProvider",
        ["coreml"] = "CoreMLExecutionProvider",
    };

    /// <summary>The short names accepted in configuration.</summary>
    public static IReadOnlyCollection<string> KnownNames => NativeNames.Keys;

    /// <summary>Creates session options; returns the providers actually appended (in order).</summary>
    public static SessionOptions Create(string modelName, ModelOptions options, ILogger logger, out IReadOnlyList<string> used)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimizationLevel.ToLowerInvariant() switch
            {
                "none" => GraphOptimizationLevel.ORT_DISABLE_ALL,
                "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            LogId = modelName,
        };
        try
        {
            if (options.IntraOpThreads > 0)
            {
                sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            }

            if (options.InterOpThreads > 0)
            {
                sessionOptions.InterOpNumThreads = options.InterOpThreads;
                sessionOptions.ExecutionMode = ExecutionMode.ORT_PARALLEL;
            }

            used = AppendProviders(modelName, options, sessionOptions, logger);
            return sessionOptions;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    private static List<string> AppendProviders(string modelName, ModelOptions options, SessionOptions sessionOptions, ILogger logger)
    {
        var requested = options.ExecutionProviders.Count == 0 ? ["cpu"] : options.ExecutionProviders.ToList();
        var available = OrtEnv.Instance().GetAvailableProviders();
        var used = new List<string>();
        string? firstMissing = null;
        foreach (var name in requested)
        {
            if (!NativeNames.TryGetValue(name, out var nativeName))
            {
                throw new ModelLoadException(modelName,
                    $"execution provider '{name}' is unknown; use one of {string.Join(", ", NativeNames.Keys)}.");
            }

            if (!available.Contains(nativeName, StringComparer.Ordinal))
            {
                firstMissing ??= name;
                LogProviderMissing(logger, modelName, name, string.Join(", ", available));
                continue;
            }

            try
            {
                Append(name, options, sessionOptions);
                used.Add(name.ToLowerInvariant());
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                firstMissing ??= name;
                LogProviderFailed(logger, modelName, name, ex.Message);
            }
        }

        if (used.Count == 0)
        {
            throw new ExecutionProviderUnavailableException(modelName, firstMissing ?? requested[0], available, GpuHint);
        }

        return used;
    }

    private static void Append(string name, ModelOptions options, SessionOptions sessionOptions)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                // The CPU provider is always present as ONNX Runtime's last resort.
                break;
            case "cuda":
                sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                break;
            case "tensorrt":
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    var settings = new Dictionary<string, string> { ["device_id"] = options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                    if (!string.IsNullOrWhiteSpace(options.TensorRtCachePath))
                    {
                        settings["trt_engine_cache_enable"] = "1";
                        settings["trt_engine_cache_path"] = options.TensorRtCachePath;
                    }

                    trt.UpdateOptions(settings);
                    sessionOptions.AppendExecutionProvider_Tensorrt(trt);
                }

                break;
            case "rocm":
                sessionOptions.AppendExecutionProvider_ROCm(options.CudaDeviceId);
                break;
            case "dnnl":
                sessionOptions.AppendExecutionProvider_Dnnl(1);
                break;
            case "openvino":
                sessionOptions.AppendExecutionProvider_OpenVINO(string.Empty);
                break;
            case "directml":
                sessionOptions.AppendExecutionProvider_DML(options.CudaDeviceId);
                break;
            case "coreml":
                sessionOptions.AppendExecutionProvider_CoreML(CoreMLFlags.COREML_FLAG_USE_NONE);
                break;
        }
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Model '{Model}': execution provider '{Provider}' is not in this ONNX Runtime build (available: {Available}); trying the next one")]
    private static partial void LogProviderMissing(ILogger logger, string model, string provider, string available);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Model '{Model}': execution provider '{Provider}' failed to start ({Reason}); trying the next one")]
    private static partial void LogProviderFailed(ILogger logger, string model, string provider, string reason);
}
