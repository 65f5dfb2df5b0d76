using ModelKit.Processing;
using ModelKit.Text.Tokenization;

namespace ModelKit.Text.Processing;

/// <summary>
/// Pre-processing step for BERT-class text models: a string → <c>input_ids</c>, <c>attention_mask</c> and (when the model has it)
/// <c>token_type_ids</c>, int64 [1, tokens], tokenized exactly as Hugging Face does and truncated to
/// <see cref="TextEmbeddingOptions.MaxTokens"/> (head kept). The three inputs are variable-length (zero-padded along axis 1 when
/// batched, which the attention mask makes invisible to the model).
/// </summary>
/// <remarks>
/// Defined results for awkward input: an empty or whitespace-only string encodes as <c>[CLS] [SEP]</c>; control characters are
/// removed; characters outside the vocabulary (emoji, other scripts) become <c>[UNK]</c>; characters outside the Basic Multilingual
/// Plane are handled as whole code points; a lone surrogate is dropped. A null text is a <see cref="ProcessingException"/>.
/// </remarks>
public sealed class BertTokenization : IPreprocessor<string>
{
    private readonly string _ids;
    private readonly string _mask;
    private readonly string? _types;

    /// <summary>Creates the step from options (loading <see cref="TextEmbeddingOptions.VocabularyPath"/>).</summary>
    public BertTokenization(TextEmbeddingOptions options)
        : this(WordPieceTokenizer.FromFile(options?.VocabularyPath ?? throw new ArgumentException("TextEmbeddingOptions.VocabularyPath is required.", nameof(options)), options.Tokenizer), options)
    {
    }

    /// <summary>Creates the step over a tokenizer.</summary>
    public BertTokenization(WordPieceTokenizer tokenizer, TextEmbeddingOptions options)
    {
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxTokens < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTokens, "MaxTokens must leave room for [CLS], one token and [SEP].");
        }

        MaxTokens = options.MaxTokens;
        _ids = options.InputIdsName;
        _mask = options.AttentionMaskName;
        _types = options.TokenTypeIdsName;
        var tensors = new List<StepTensor>
        {
            new(_ids, TensorElementType.Int64, [-1, -1]) { PadAxis = 1 },
            new(_mask, TensorElementType.Int64, [-1, -1]) { PadAxis = 1 },
        };
        if (_types is not null)
        {
            tensors.Add(new StepTensor(_types, TensorElementType.Int64, [-1, -1]) { PadAxis = 1 });
        }

        Tensors = tensors;
    }

    /// <summary>The tokenizer.</summary>
    public WordPieceTokenizer Tokenizer { get; }

    /// <summary>Most tokens per text, including [CLS] and [SEP].</summary>
    public int MaxTokens { get; }

    /// <inheritdoc/>
    public IReadOnlyList<StepTensor> Tensors { get; }

    /// <inheritdoc/>
    public void Preprocess(string input, ProcessingContext context)
    {
        if (input is null)
        {
            throw new ProcessingException(nameof(BertTokenization), $"{context.Operation}: the text is null; pass a string (an empty string is a valid input).");
        }

        var ids = context.Rent<long>(MaxTokens);
        int count = Tokenizer.Encode(input, ids.Span, out _);
        var shape = new long[] { 1, count };
        context.SetInput(_ids, (ReadOnlyMemory<long>)ids[..count], shape);
        var mask = context.Rent<long>(count);
        mask.Span.Fill(1);
        context.SetInput(_mask, (ReadOnlyMemory<long>)mask, shape);
        if (_types is not null)
        {
            var types = context.Rent<long>(count);
            types.Span.Clear();
            context.SetInput(_types, (ReadOnlyMemory<long>)types, shape);
        }

        context.ItemCount = count;
    }
}
