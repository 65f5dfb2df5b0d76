namespace ModelKit.Text.Tokenization;

/// <summary>How <see cref="WordPieceTokenizer"/> normalizes text and which special tokens it uses (defaults: uncased BERT).</summary>
public sealed class WordPieceOptions
{
    /// <summary>Lower-case the text (uncased models). Default true.</summary>
    public bool Lowercase { get; set; } = true;

    /// <summary>Strip accents (NFD, nonspacing marks removed); null (the default) follows <see cref="Lowercase"/>, as Hugging Face does.</summary>
    public bool? StripAccents { get; set; }

    /// <summary>Remove control characters and turn every whitespace character into a space. Default true.</summary>
    public bool CleanText { get; set; } = true;

    /// <summary>Put spaces around CJK ideographs so each is its own word. Default true.</summary>
    public bool HandleChineseCharacters { get; set; } = true;

    /// <summary>The unknown token. Default <c>[UNK]</c>.</summary>
    public string UnknownToken { get; set; } = "[UNK]";

    /// <summary>The classifier (start) token. Default <c>[CLS]</c>.</summary>
    public string ClassifierToken { get; set; } = "[CLS]";

    /// <summary>The separator (end) token. Default <c>[SEP]</c>.</summary>
    public string SeparatorToken { get; set; } = "[SEP]";

    /// <summary>
    /// Special tokens recognised verbatim in the text (before normalization) and emitted as themselves, as Hugging Face does with its
    /// added tokens; empty to treat such text as ordinary words. Default <c>[PAD] [UNK] [CLS] [SEP] [MASK]</c>.
    /// </summary>
    public IList<string> SpecialTokens { get; set; } = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>The padding token. Default <c>[PAD]</c>.</summary>
    public string PaddingToken { get; set; } = "[PAD]";
}
