namespace ModelKit.Generators.Model
{
    /// <summary>What the transform extracts from one <c>[ModelContract]</c> interface: the generated code, and where it goes wrong.</summary>
    /// <param name="Model">The contract to emit; null when a contract-level error prevents generation.</param>
    /// <param name="Diagnostics">The contract's diagnostics (their locations live here only, so a moved contract re-reports without re-emitting).</param>
    /// <param name="Check">The contract's tensors with their locations, for the checks against its model's signature; null when <paramref name="Model"/> is.</param>
    internal sealed record ContractResult(ContractModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, ContractCheck? Check);

    /// <summary>The names a scaffolded contract (an empty interface of a listed model) gives its types.</summary>
    /// <param name="Accessibility">The interface's accessibility (<c>public</c> or <c>internal</c>), given to the types.</param>
    /// <param name="InputType">The input type's name, e.g. <c>MnistInput</c> (a free name in the namespace).</param>
    /// <param name="OutputType">The output type's name, e.g. <c>MnistOutput</c>.</param>
    internal sealed record ScaffoldNames(string Accessibility, string InputType, string OutputType);

    /// <summary>One contract, as plain data.</summary>
    /// <param name="Namespace">The namespace (without <c>global::</c>), or null for the global namespace.</param>
    /// <param name="InterfaceName">The interface's simple name, e.g. <c>IDigitClassifier</c>.</param>
    /// <param name="InterfaceFullName">The fully qualified interface, e.g. <c>global::Samples.IDigitClassifier</c>.</param>
    /// <param name="ClientName">The generated client's simple name, e.g. <c>DigitClassifierModelClient</c>.</param>
    /// <param name="ModelName">The model name from <c>[ModelContract]</c>.</param>
    /// <param name="HintName">The generated file's name.</param>
    /// <param name="Operations">The contract's methods, in declaration order.</param>
    /// <param name="Scaffold">For a contract without methods: the names to scaffold it with when its model is listed.</param>
    internal sealed record ContractModel(
        string? Namespace,
        string InterfaceName,
        string InterfaceFullName,
        string ClientName,
        string ModelName,
        string HintName,
        EquatableArray<OperationModel> Operations,
        ScaffoldNames? Scaffold = null)
    {
        /// <summary>The client's fully qualified name.</summary>
        public string ClientFullName => Namespace is null ? "global::" + ClientName : "global::" + Namespace + "." + ClientName;
    }

    /// <summary>How an operation runs.</summary>
    internal enum OperationMode
    {
        /// <summary>One call: <c>Run</c>/<c>RunAsync</c>.</summary>
        Single,

        /// <summary>One call per item of a list: <c>RunBatch</c>/<c>RunBatchAsync</c>.</summary>
        Batch,
    }

    /// <summary>What the method returns.</summary>
    internal enum ResultKind
    {
        /// <summary><c>void</c>, <c>Task</c> or <c>ValueTask</c>: outputs go to <c>[Output]</c> parameters.</summary>
        None,

        /// <summary>An output type built from its <c>[Tensor]</c> members (per item for a batch).</summary>
        Object,

        /// <summary>A tensor value (<c>[return: Tensor]</c>).</summary>
        Tensor,

        /// <summary><c>ModelKit.PreparedCall</c>: the call bound to the parameters' buffers, run later as many times as wanted.</summary>
        Prepared,
    }

    /// <summary>How a collection of a batch operation is typed.</summary>
    internal enum CollectionKind
    {
        None,
        Array,
        ReadOnlyList,
    }

    /// <summary>One contract method.</summary>
    /// <param name="Name">The method name as written in C# (escaped when a keyword).</param>
    /// <param name="MetadataName">The method name as the descriptor carries it.</param>
    /// <param name="FieldName">The runner field, e.g. <c>_predict</c>.</param>
    /// <param name="Mode">Single call or batch.</param>
    /// <param name="IsAsync">Whether it returns <c>Task</c>/<c>ValueTask</c>.</param>
    /// <param name="ReturnType">The full return type as written in the implementation.</param>
    /// <param name="Result">What the result is built from.</param>
    /// <param name="ResultType">The output type (item type for a batch) to instantiate, for <see cref="ResultKind.Object"/>.</param>
    /// <param name="BatchParameterCollection">How the batch parameter is typed.</param>
    /// <param name="Parameters">The parameters in order.</param>
    /// <param name="Inputs">The input tensors in order (their index is the call's input index).</param>
    /// <param name="Outputs">The output tensors in order (their index is the call's output index).</param>
    /// <param name="HasErrors">Whether a diagnostic prevents a real implementation; the client then throws.</param>
    /// <param name="Processing">The method's processing steps, when it names them (then it has no tensors of its own); null otherwise.</param>
    internal sealed record OperationModel(
        string Name,
        string MetadataName,
        string FieldName,
        OperationMode Mode,
        bool IsAsync,
        string ReturnType,
        ResultKind Result,
        string? ResultType,
        CollectionKind BatchParameterCollection,
        EquatableArray<ParameterModel> Parameters,
        EquatableArray<TensorModel> Inputs,
        EquatableArray<TensorModel> Outputs,
        bool HasErrors,
        ProcessingModel? Processing = null);

    /// <summary>What a parameter carries.</summary>
    internal enum ParameterRole
    {
        /// <summary>An input type whose <c>[Tensor]</c> members are read.</summary>
        InputObject,

        /// <summary>The parameter is itself an input tensor.</summary>
        InputTensor,

        /// <summary>An output type whose pre-allocated <c>[Tensor]</c> members receive the outputs.</summary>
        OutputObject,

        /// <summary>The parameter is itself an output destination (<c>[Output]</c>).</summary>
        OutputTensor,

        /// <summary>The call's <c>CancellationToken</c>.</summary>
        CancellationToken,

        /// <summary>The items of a batch operation.</summary>
        BatchItems,

        /// <summary>A parameter that could not be understood (the operation has errors).</summary>
        Unsupported,
    }

    /// <summary>One method parameter.</summary>
    /// <param name="Name">The parameter's identifier (escaped when a keyword).</param>
    /// <param name="Type">The parameter type as written in the implementation (nullable annotations included).</param>
    /// <param name="Modifiers">Modifiers written before the type (<c>params </c>, <c>ref </c>…).</param>
    /// <param name="Role">What it carries.</param>
    /// <param name="NullCheck">Whether the client throws <c>ArgumentNullException</c> for it.</param>
    /// <param name="ItemNullCheck">For batch items: whether each item is null-checked.</param>
    internal sealed record ParameterModel(string Name, string Type, string Modifiers, ParameterRole Role, bool NullCheck, bool ItemNullCheck);

    /// <summary>How a tensor member is typed in the contract.</summary>
    internal enum TensorAccess
    {
        Array,
        ReadOnlyMemory,
        Memory,
        Tensor,
        Scalar,
    }

    /// <summary>One tensor of an operation.</summary>
    /// <param name="Name">The tensor's name in the model graph.</param>
    /// <param name="ElementType">The element type as a type argument (e.g. <c>float</c>, <c>global::System.Half</c>, <c>string?</c>).</param>
    /// <param name="ElementTypeMember">The <c>ModelKit.TensorElementType</c> member, e.g. <c>Float</c>.</param>
    /// <param name="HasShape">Whether a shape is declared (a scalar without shape declares rank 0).</param>
    /// <param name="Shape">The declared shape.</param>
    /// <param name="Member">Where the tensor lives, e.g. <c>DigitImage.Pixels</c> or <c>parameter 'pixels'</c>.</param>
    /// <param name="Access">How the member is typed.</param>
    /// <param name="ParameterIndex">The parameter that holds it; -1 for the return value.</param>
    /// <param name="MemberName">The member of that parameter's (or result's) type; null when the parameter or return value is the tensor itself.</param>
    internal sealed record TensorModel(
        string Name,
        string ElementType,
        string ElementTypeMember,
        bool HasShape,
        EquatableArray<long> Shape,
        string Member,
        TensorAccess Access,
        int ParameterIndex,
        string? MemberName);
}
