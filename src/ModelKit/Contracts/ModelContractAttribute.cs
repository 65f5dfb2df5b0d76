namespace ModelKit;

/// <summary>
/// Marks a <c>partial interface</c> as a model contract. ModelKit's source generator emits a typed client for it.
/// </summary>
/// <param name="modelName">The model's name: the key under <c>ModelKit:Models</c> in configuration and the model name on the wire.</param>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class ModelContractAttribute(string modelName) : Attribute
{
    /// <summary>The model's name.</summary>
    public string ModelName { get; } = modelName;
}
