namespace ModelKit;

/// <summary>
/// Names the pre-processing step of a contract method: a class implementing <see cref="Processing.IPreprocessor{TInput}"/> for the
/// method's input type (<c>string</c>, an image…; for a method taking <c>IReadOnlyList&lt;TInput&gt;</c>, the element type). The
/// generated client resolves it from dependency injection — keyed by the model's name first, then unkeyed — with no reflection,
/// and the generator reports (MK diagnostics) a step whose types do not fit the method.
/// </summary>
/// <typeparam name="TStep">The step type.</typeparam>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PreprocessAttribute<TStep> : Attribute
    where TStep : class;

/// <summary>
/// Names the post-processing step of a contract method: a class implementing <see cref="Processing.IPostprocessor{TOutput}"/> for the
/// method's result type (for a method returning <c>TOutput[]</c> or <c>IReadOnlyList&lt;TOutput&gt;</c>, the element type), resolved like
/// <see cref="PreprocessAttribute{TStep}"/>.
/// </summary>
/// <typeparam name="TStep">The step type.</typeparam>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class PostprocessAttribute<TStep> : Attribute
    where TStep : class;
