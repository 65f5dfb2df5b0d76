namespace ModelKit.Generators.Model
{
    /// <summary>
    /// The processing steps of a contract method (<c>[Preprocess&lt;TStep&gt;]</c>, <c>[Postprocess&lt;TStep&gt;]</c>): the client
    /// runs them around the model through a <c>ProcessedOperation&lt;TInput, TOutput&gt;</c> instead of mapping tensors itself.
    /// </summary>
    /// <param name="InputType">The operation's <c>TInput</c>: the method's parameter type (the item type for a batch), without a top-level <c>?</c>.</param>
    /// <param name="OutputType">The operation's <c>TOutput</c>: the method's result type (the item type for a batch), as written.</param>
    /// <param name="Preprocessor">The pre-processing step's type, fully qualified.</param>
    /// <param name="Postprocessor">The post-processing step's type, fully qualified.</param>
    /// <param name="PreprocessorCreatable">Whether the pre-processing step has a parameterless constructor the client can call when DI has no registration.</param>
    /// <param name="PostprocessorCreatable">The same for the post-processing step.</param>
    /// <param name="InputNullCheck">Whether the client throws <c>ArgumentNullException</c> for a null input (the parameter, or the list of a batch, is a reference type declared non-nullable).</param>
    /// <param name="SuppressInputNullability">Whether the input is passed with <c>!</c>: its declared type (or item type) is a nullable reference type, which the step decides about.</param>
    /// <param name="ReturnsTask">For an asynchronous method: whether it returns <c>Task&lt;T&gt;</c> (else <c>ValueTask&lt;T&gt;</c>).</param>
    /// <param name="ResultCollection">For a batch: how the method's result list is typed.</param>
    internal sealed record ProcessingModel(
        string InputType,
        string OutputType,
        string Preprocessor,
        string Postprocessor,
        bool PreprocessorCreatable,
        bool PostprocessorCreatable,
        bool InputNullCheck,
        bool SuppressInputNullability,
        bool ReturnsTask,
        CollectionKind ResultCollection);
}
