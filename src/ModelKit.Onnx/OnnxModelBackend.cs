using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using ModelKit.Binding;

namespace ModelKit.Onnx;

/// <summary>
/// Runs one model in-process on ONNX Runtime: one <see cref="InferenceSession"/> shared by every concurrent caller.
/// </summary>
public sealed class OnnxModelBackend : IInferenceBackend
{
    private readonly OperationRunnerSet _runners = new();
    private readonly SessionOptions _sessionOptions;
    private int _disposed;

    private OnnxModelBackend(string modelName, InferenceSession session, SessionOptions sessionOptions, IReadOnlyList<string> providers)
    {
        ModelName = modelName;
        Session = session;
        _sessionOptions = sessionOptions;
        ExecutionProviders = providers;
        Signature = OnnxSignature.Read(session);
        Description = $"onnxruntime {OrtEnv.Instance().GetVersionString()} ({string.Join(", ", providers)})";
    }

    /// <inheritdoc/>
    public string ModelName { get; }

    /// <inheritdoc/>
    public ModelSignature Signature { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The execution providers in use, in priority order (<c>cpu</c>, <c>cuda</c>…).</summary>
    public IReadOnlyList<string> ExecutionProviders { get; }

    /// <summary>The ONNX Runtime session.</summary>
    public InferenceSession Session { get; }

    /// <summary>Loads a model file.</summary>
    public static OnnxModelBackend Load(string modelName, string path, ModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ModelLoadException(modelName, $"no model file at '{fullPath}' (configured Path '{path}').");
        }

        return Create(modelName, options ?? new ModelOptions { Path = path }, logger, so => new InferenceSession(fullPath, so));
    }

    /// <summary>Loads a model from its bytes.</summary>
    public static OnnxModelBackend Load(string modelName, byte[] model, ModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(modelName, options ?? new ModelOptions(), logger, so => new InferenceSession(model, so));
    }

    /// <inheritdoc/>
    public OperationRunner Bind(OperationDescriptor operation)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var bound = BoundOperation.Bind(operation, ModelName, Signature);
        return _runners.Add(new OnnxOperationRunner(bound, Session, Signature));
    }

    /// <summary>Releases the ONNX Runtime session and its native memory; runners bound to it must not be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _runners.DisposeAll();

        Session.Dispose();
        _sessionOptions.Dispose();
    }

    /// <summary>Runs the model <paramref name="runs"/> times on zero-filled inputs (dynamic dimensions as 1).</summary>
    public void WarmUp(int runs)
    {
        if (runs <= 0)
        {
            return;
        }

        var inputs = Signature.Inputs.Select(static input => new NamedTensor(input.Name, input.CreateZeros())).ToArray();
        using var client = new DynamicModelClient(this);
        for (int i = 0; i < runs; i++)
        {
            client.Run(inputs);
        }
    }

    private static OnnxModelBackend Create(string modelName, ModelOptions options, ILogger? logger, Func<SessionOptions, InferenceSession> open)
    {
        var sessionOptions = ExecutionProviderOptions.Create(modelName, options, logger ?? NullLogger.Instance, out var providers);
        InferenceSession session;
        try
        {
            session = open(sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            sessionOptions.Dispose();
            throw new ModelLoadException(modelName, ex.Message, ex);
        }

        var backend = new OnnxModelBackend(modelName, session, sessionOptions, providers);
        try
        {
            backend.WarmUp(options.WarmupRuns);
        }
        catch
        {
            backend.Dispose();
            throw;
        }

        return backend;
    }
}
