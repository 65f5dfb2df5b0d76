using Microsoft.Extensions.Options;

namespace ModelKit.Text;

/// <summary>
/// Checks <see cref="TextEmbeddingOptions"/>' data annotations (<c>[Required]</c>, <c>[Range]</c>) with code the options source
/// generator writes at build time: no reflection, so trimming and native AOT keep it working (unlike <c>ValidateDataAnnotations</c>).
/// </summary>
[OptionsValidator]
internal sealed partial class TextEmbeddingOptionsValidator : IValidateOptions<TextEmbeddingOptions>;
