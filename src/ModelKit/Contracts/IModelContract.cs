using System.ComponentModel;
using ModelKit.Binding;

namespace ModelKit;

/// <summary>
/// Implemented by ModelKit's source generator on every <see cref="ModelContractAttribute"/> interface.
/// It lets <c>AddModel&lt;T&gt;()</c> create the generated client with no reflection.
/// </summary>
/// <typeparam name="TSelf">The contract interface.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IModelContract<TSelf> where TSelf : class, IModelContract<TSelf>
{
    /// <summary>
    /// The contract as the generator saw it: model name, operations and tensors. Methods with processing steps are not listed: their
    /// tensors are the steps' own, described when the client binds them (<see cref="Processing.ProcessedOperation{TInput, TOutput}.Descriptor"/>).
    /// </summary>
    static abstract ContractDescriptor Descriptor { get; }

    /// <summary>Creates the generated client over a backend.</summary>
    static abstract TSelf CreateClient(IInferenceBackend backend);

    /// <summary>
    /// Creates the generated client over a backend, resolving the processing steps its methods name from <paramref name="services"/>
    /// (keyed by model name first, then unkeyed). Contracts without steps ignore the services.
    /// </summary>
    static virtual TSelf CreateClient(IInferenceBackend backend, IServiceProvider services) => TSelf.CreateClient(backend);

    /// <summary>Registers the backends the contract's assembly references (local ONNX Runtime, remote).</summary>
    static abstract void AddBackends(ModelKitBuilder builder);
}
