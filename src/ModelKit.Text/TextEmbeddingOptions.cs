using System.ComponentModel.DataAnnotations;
using ModelKit.Text.Tokenization;

namespace ModelKit.Text;

/// <summary>How a sentence-embedding model's processing runs: vocabulary, truncation, pooling, normalization and tensor names.</summary>
/// <remarks>
/// <para>
/// <b>Truncation policy.</b> A text is cut to <see cref="MaxTokens"/> tokens including <c>[CLS]</c> and <c>[SEP]</c>: the head of the
/// text is kept and the rest dropped (what sentence-transformers does, with its <c>max_seq_length</c> of 256 for all-MiniLM-L6-v2,
/// the length it was trained on). Tokenization stops as soon as the limit is reached, so a 10,000-word text costs no more than the
/// kept part. The limit can be raised up to the model's position embeddings (512 for BERT-class models).
/// </para>
/// </remarks>
public sealed class TextEmbeddingOptions
{
    /// <summary>The WordPiece vocabulary file (one token per line).</summary>
    [Required]
    public string? VocabularyPath { get; set; }

    /// <summary>Most tokens per text, including [CLS] and [SEP]. Default 256.</summary>
    [Range(3, 8192)]
    public int MaxTokens { get; set; } = 256;

    /// <summary>How token vectors become one sentence vector. Default <see cref="PoolingMode.Mean"/>.</summary>
    public PoolingMode Pooling { get; set; } = PoolingMode.Mean;

    /// <summary>Scale each sentence vector to unit length (so a dot product is the cosine). Default true.</summary>
    public bool Normalize { get; set; } = true;

    /// <summary>Tokenizer options (casing, accents, special tokens).</summary>
    public WordPieceOptions Tokenizer { get; set; } = new();

    /// <summary>The token-ids input. Default <c>input_ids</c>.</summary>
    public string InputIdsName { get; set; } = "input_ids";

    /// <summary>The attention-mask input. Default <c>attention_mask</c>.</summary>
    public string AttentionMaskName { get; set; } = "attention_mask";

    /// <summary>The token-type-ids input, or null when the model has none. Default <c>token_type_ids</c>.</summary>
    public string? TokenTypeIdsName { get; set; } = "token_type_ids";

    /// <summary>The per-token hidden states output ([batch, sequence, dimensions]). Default <c>last_hidden_state</c>.</summary>
    public string HiddenStateName { get; set; } = "last_hidden_state";
}

/// <summary>How token vectors become one sentence vector.</summary>
public enum PoolingMode
{
    /// <summary>The mean of the token vectors under the attention mask (sentence-transformers' default).</summary>
    Mean,

    /// <summary>The first token's (<c>[CLS]</c>) vector.</summary>
    Cls,
}
