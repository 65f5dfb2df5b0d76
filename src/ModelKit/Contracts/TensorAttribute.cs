namespace ModelKit;

/// <summary>
/// Maps a property, parameter or return value to a named tensor of the model.
/// </summary>
/// <remarks>
/// <para><c>-1</c> marks a dynamic dimension; it is inferred from the element count when it is the only unknown one.</para>
/// <para>No shape on a scalar member (<c>long</c>, <c>float</c>, <c>string</c>…) means a rank-0 tensor. No shape on an
/// array or memory member means "the model's shape".</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter | AttributeTargets.ReturnValue, AllowMultiple = false, Inherited = false)]
public sealed class TensorAttribute(string name, params long[] shape) : Attribute
{
    /// <summary>The tensor's name in the model graph.</summary>
    public string Name { get; } = name;

    /// <summary>The tensor's shape; <c>-1</c> marks a dynamic dimension. Empty means rank 0 for scalars and "the model's shape" otherwise.</summary>
    public long[] Shape { get; } = shape;
}
