using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// Runs one model: in-process on ONNX Runtime, or remotely over the Open Inference Protocol.
/// Generated clients bind their operations to it and never see what is behind it.
/// </summary>
public interface IInferenceBackend : IDisposable
{
    /// <summary>The model's name.</summary>
    string ModelName { get; }

    /// <summary>The model's inputs and outputs.</summary>
    ModelSignature Signature { get; }

    /// <summary>What runs the model, for status pages and logs (e.g. <c>onnxruntime 1.31.1, CPUExecutionProvider</c>).</summary>
    string Description { get; }

    /// <summary>Binds an operation: checks it against <see cref="Signature"/> (throwing <see cref="ModelContractMismatchException"/>) and prepares a runner.</summary>
    OperationRunner Bind(OperationDescriptor operation);
}

/// <summary>Creates backends for models whose options it recognises (a <c>Path</c>: ONNX Runtime; an <c>Endpoint</c>: remote).</summary>
public interface IInferenceBackendProvider
{
    /// <summary>A short name (<c>onnxruntime</c>, <c>remote</c>).</summary>
    string Name { get; }

    /// <summary>Whether this provider serves a model with these options.</summary>
    bool CanCreate(ModelOptions options);

    /// <summary>Creates (loads) the backend.</summary>
    IInferenceBackend Create(string modelName, ModelOptions options, IServiceProvider services);
}
