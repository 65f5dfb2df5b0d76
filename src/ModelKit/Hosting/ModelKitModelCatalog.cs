namespace ModelKit;

/// <summary>A model registered with <c>AddModel</c>: its name and the contract that uses it.</summary>
public sealed record ModelRegistration(string ModelName, string Contract);

/// <summary>The models registered with ModelKit, in registration order.</summary>
public sealed class ModelKitModelCatalog
{
    private readonly List<ModelRegistration> _models = [];

    /// <summary>The registrations.</summary>
    public IReadOnlyList<ModelRegistration> Models => _models;

    /// <summary>The distinct model names.</summary>
    public IEnumerable<string> ModelNames => _models.Select(static m => m.ModelName).Distinct(StringComparer.Ordinal);

    /// <summary>Whether a contract or a registration uses the model <paramref name="modelName"/> (ordinal comparison).</summary>
    public bool Contains(string modelName) => _models.Exists(m => string.Equals(m.ModelName, modelName, StringComparison.Ordinal));

    internal void Add(ModelRegistration registration)
    {
        if (!_models.Contains(registration))
        {
            _models.Add(registration);
        }
    }
}
