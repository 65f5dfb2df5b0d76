namespace ModelKit.Generators.Model
{
    /// <summary>
    /// What the checks against a model signature need from one contract: its tensors with their source locations. A separate
    /// pipeline value from <see cref="ContractModel"/>, so moving a member re-runs the checks without re-emitting the client.
    /// </summary>
    /// <param name="InterfaceName">The contract's simple name.</param>
    /// <param name="ModelName">The model name from <c>[ModelContract]</c>.</param>
    /// <param name="Location">The contract's identifier.</param>
    /// <param name="IsEmpty">Whether the contract declares no methods (scaffolded from the signature when the model is listed).</param>
    /// <param name="Operations">The contract's methods.</param>
    internal sealed record ContractCheck(
        string InterfaceName,
        string ModelName,
        LocationInfo? Location,
        bool IsEmpty,
        EquatableArray<OperationCheck> Operations);

    /// <summary>One method's tensors.</summary>
    /// <param name="DisplayName">E.g. <c>IDigitClassifier.Predict</c>.</param>
    /// <param name="Location">The method's identifier.</param>
    /// <param name="Inputs">The tensors it sends.</param>
    /// <param name="Outputs">The tensors it reads.</param>
    internal sealed record OperationCheck(
        string DisplayName,
        LocationInfo? Location,
        EquatableArray<TensorCheck> Inputs,
        EquatableArray<TensorCheck> Outputs);

    /// <summary>One tensor member, with where it is declared.</summary>
    /// <param name="Name">The tensor's name in the model graph.</param>
    /// <param name="ElementType">The element type as written in C#, e.g. <c>long</c>.</param>
    /// <param name="ElementTypeMember">The <c>TensorElementType</c> member, e.g. <c>Int64</c>.</param>
    /// <param name="HasShape">Whether a shape is declared.</param>
    /// <param name="Shape">The declared shape (-1 dynamic).</param>
    /// <param name="IsScalar">Whether the member is a single value.</param>
    /// <param name="Member">E.g. <c>DigitImage.Pixels</c> or <c>parameter 'pixels'</c>.</param>
    /// <param name="Location">The member's declaration.</param>
    internal sealed record TensorCheck(
        string Name,
        string ElementType,
        string ElementTypeMember,
        bool HasShape,
        EquatableArray<long> Shape,
        bool IsScalar,
        string Member,
        LocationInfo? Location);

    /// <summary>A contract paired with its model's signature (null when the model is not listed).</summary>
    /// <param name="Contract">The contract's checks.</param>
    /// <param name="Signature">Its model's signature; null when the model is not listed.</param>
    /// <param name="ListedModels">When <paramref name="Signature"/> is null: the names of the models that are listed.</param>
    internal sealed record CheckedContract(ContractCheck Contract, ModelSignature? Signature, EquatableArray<string> ListedModels = default);

    /// <summary>What the emission step gets: a contract, and the signature to scaffold it from when it is empty and its model listed.</summary>
    internal sealed record ContractToEmit(ContractModel Contract, ModelSignature? Scaffold);
}
