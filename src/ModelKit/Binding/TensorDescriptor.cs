namespace ModelKit.Binding;

/// <summary>One tensor of a contract operation, as declared in source.</summary>
/// <param name="Name">The tensor's name in the model graph.</param>
/// <param name="ElementType">The element type of the contract member.</param>
/// <param name="Shape">Declared shape (<c>-1</c> = dynamic); empty for a scalar; null to take the model's shape.</param>
/// <param name="Member">Where the tensor lives in the contract, e.g. <c>DigitImage.Pixels</c> or <c>parameter 'pixels'</c>.</param>
public sealed record TensorDescriptor(string Name, TensorElementType ElementType, long[]? Shape, string Member)
{
    /// <summary>The declared shape as text, or <c>(model's shape)</c>.</summary>
    public string ShapeText => Shape is null ? "(model's shape)" : TensorShape.Format(Shape);
}

/// <summary>One method of a contract: the tensors it sends and the tensors it reads back.</summary>
public sealed record OperationDescriptor(string Contract, string Method, IReadOnlyList<TensorDescriptor> Inputs, IReadOnlyList<TensorDescriptor> Outputs)
{
    /// <summary>How variable-length inputs are padded when calls are batched; null when every call must agree beyond dimension 0.</summary>
    public Processing.PaddingDescriptor? Padding { get; init; }

    /// <summary><c>Contract.Method</c>.</summary>
    public string DisplayName => $"{Contract}.{Method}";
}

/// <summary>A whole contract: its model and its operations.</summary>
public sealed record ContractDescriptor(string Contract, string ModelName, IReadOnlyList<OperationDescriptor> Operations);
