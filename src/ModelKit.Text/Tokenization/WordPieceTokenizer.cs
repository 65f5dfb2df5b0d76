using System.Buffers;
using System.Globalization;
using System.Text;

namespace ModelKit.Text.Tokenization;

/// <summary>
/// Hugging Face's BERT tokenizer (<c>BertNormalizer</c> + <c>BertPreTokenizer</c> + <c>WordPiece</c>, as <c>tokenizers</c> runs it for
/// sentence-transformers), written to give the same token ids: text cleaned (controls removed, whitespace unified), CJK ideographs
/// spaced, accents stripped (NFD, nonspacing marks removed — from a table, so globalization-invariant mode changes nothing),
/// lower-cased, split on whitespace and on punctuation (Unicode P* and ASCII symbols such as <c>$ + &lt; = &gt; ^ ` |</c>), then greedy
/// longest-match-first WordPiece with <c>##</c> continuations; a word with any piece outside the vocabulary, or longer than 100
/// characters, becomes <c>[UNK]</c>.
/// </summary>
/// <remarks>
/// Where <c>Microsoft.ML.Tokenizers</c> 2.0.1's <c>BertTokenizer</c> differs from Hugging Face (it drops €, £, ° and ≈, drops emoji where
/// Hugging Face emits <c>[UNK]</c>, keeps <c>_</c> inside words, and strips no accents in invariant mode), this one follows Hugging Face;
/// the tests hold token ids produced by Hugging Face's own tokenizer (its JavaScript port) as the reference. Thread-safe.
/// </remarks>
public sealed class WordPieceTokenizer
{
    private const int MaxCharsPerWord = 100;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string[] _tokens;
    private readonly (string Token, int Id)[] _specials;

    /// <summary>Creates a tokenizer over a vocabulary (one token per line, the line number its id).</summary>
    public WordPieceTokenizer(IEnumerable<string> vocabulary, WordPieceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Options = options ?? new WordPieceOptions();
        var tokens = new List<string>();
        _vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in vocabulary)
        {
            string token = line.TrimEnd('\r', '\n');
            _vocabulary.TryAdd(token, tokens.Count);
            tokens.Add(token);
        }

        _tokens = tokens.ToArray();
        _lookup = _vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = Require(Options.UnknownToken);
        ClassifierId = Require(Options.ClassifierToken);
        SeparatorId = Require(Options.SeparatorToken);
        PaddingId = _vocabulary.TryGetValue(Options.PaddingToken, out int pad) ? pad : 0;
        _specials = Options.SpecialTokens.Where(t => !string.IsNullOrEmpty(t) && _vocabulary.ContainsKey(t)).Distinct(StringComparer.Ordinal)
            .OrderByDescending(static t => t.Length).Select(t => (t, _vocabulary[t])).ToArray();
    }

    /// <summary>Loads a vocabulary file (<c>vocab.txt</c>; LF or CRLF).</summary>
    public static WordPieceTokenizer FromFile(string vocabularyPath, WordPieceOptions? options = null) =>
        new(File.ReadLines(vocabularyPath), options);

    /// <summary>The options.</summary>
    public WordPieceOptions Options { get; }

    /// <summary>The number of tokens in the vocabulary.</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>The id of <c>[UNK]</c>.</summary>
    public int UnknownId { get; }

    /// <summary>The id of <c>[CLS]</c>.</summary>
    public int ClassifierId { get; }

    /// <summary>The id of <c>[SEP]</c>.</summary>
    public int SeparatorId { get; }

    /// <summary>The id of <c>[PAD]</c> (0 when the vocabulary has none).</summary>
    public int PaddingId { get; }

    /// <summary>The token with id <paramref name="id"/>.</summary>
    public string TokenOf(int id) => _tokens[id];

    /// <summary>
    /// Encodes <paramref name="text"/> as <c>[CLS] pieces… [SEP]</c> into <paramref name="destination"/>, truncating the pieces so
    /// that the whole fits (the head of the text is kept; see <see cref="TextEmbeddingOptions.MaxTokens"/>).
    /// </summary>
    /// <returns>The number of ids written (at least 2 when <paramref name="destination"/> holds 2).</returns>
    public int Encode(ReadOnlySpan<char> text, Span<long> destination, out bool truncated)
    {
        if (destination.Length < 2)
        {
            throw new ArgumentException("The destination must hold at least [CLS] and [SEP].", nameof(destination));
        }

        destination[0] = ClassifierId;
        var sink = new IdSink(destination[1..^1]);
        EncodeWords(text, ref sink);
        truncated = sink.Truncated;
        destination[1 + sink.Count] = SeparatorId;
        return sink.Count + 2;
    }

    /// <summary>The ids of <paramref name="text"/> with <c>[CLS]</c> and <c>[SEP]</c>, not truncated.</summary>
    public int[] EncodeToIds(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<int>();
        if (addSpecialTokens)
        {
            list.Add(ClassifierId);
        }

        var sink = new IdSink(list);
        EncodeWords(text, ref sink);
        if (addSpecialTokens)
        {
            list.Add(SeparatorId);
        }

        return list.ToArray();
    }

    /// <summary>The tokens of <paramref name="text"/> (no special tokens), for inspection.</summary>
    public string[] Tokenize(string text) => Array.ConvertAll(EncodeToIds(text, addSpecialTokens: false), id => _tokens[id]);

    /// <summary>Hugging Face's <c>BertNormalizer</c> (clean text, space CJK, strip accents, lower-case) as this tokenizer applies it.</summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new ValueStringBuilder(text.Length + 16);
        try
        {
            Normalize(text, ref builder);
            return builder.AsSpan().ToString();
        }
        finally
        {
            builder.Dispose();
        }
    }

    private void EncodeWords(ReadOnlySpan<char> text, ref IdSink sink)
    {
        // Special tokens typed in the text are matched before normalization and split the text (Hugging Face's added tokens).
        int segment = 0;
        for (int i = 0; _specials.Length > 0 && i < text.Length && !sink.Full; i++)
        {
            if (text[i] != '[')
            {
                continue;
            }

            foreach (var (token, id) in _specials)
            {
                if (text[i..].StartsWith(token, StringComparison.Ordinal))
                {
                    EncodeSegment(text[segment..i], ref sink);
                    sink.Add(id);
                    i += token.Length - 1;
                    segment = i + 1;
                    break;
                }
            }
        }

        if (!sink.Full && segment < text.Length)
        {
            EncodeSegment(text[segment..], ref sink);
        }
    }

    private void EncodeSegment(ReadOnlySpan<char> text, ref IdSink sink)
    {
        if (text.IsEmpty || sink.Full)
        {
            return;
        }

        var normalized = new ValueStringBuilder(text.Length + 16);
        char[] scratch = ArrayPool<char>.Shared.Rent(MaxCharsPerWord * 2 + 4);
        try
        {
            Normalize(text, ref normalized);
            var span = normalized.AsSpan();
            int start = -1;
            for (int i = 0; i < span.Length && !sink.Full;)
            {
                Rune.DecodeFromUtf16(span[i..], out var rune, out int width);
                if (Rune.IsWhiteSpace(rune))
                {
                    if (start >= 0)
                    {
                        WordPiece(span[start..i], scratch, ref sink);
                        start = -1;
                    }
                }
                else if (IsPunctuation(rune))
                {
                    if (start >= 0)
                    {
                        WordPiece(span[start..i], scratch, ref sink);
                        start = -1;
                    }

                    WordPiece(span.Slice(i, width), scratch, ref sink);
                }
                else if (start < 0)
                {
                    start = i;
                }

                i += width;
            }

            if (start >= 0 && !sink.Full)
            {
                WordPiece(span[start..], scratch, ref sink);
            }
        }
        finally
        {
            normalized.Dispose();
            ArrayPool<char>.Shared.Return(scratch);
        }
    }

    private void WordPiece(ReadOnlySpan<char> word, char[] scratch, ref IdSink sink)
    {
        if (sink.Full)
        {
            return;
        }

        int runes = 0;
        for (int i = 0; i < word.Length; i++)
        {
            if (!char.IsLowSurrogate(word[i]))
            {
                runes++;
            }
        }

        if (runes > MaxCharsPerWord)
        {
            sink.Add(UnknownId);
            return;
        }

        // The whole word first (a word with any piece outside the vocabulary is one [UNK]), then its pieces until the sink is full.
        Span<int> pieces = stackalloc int[MaxCharsPerWord];
        int count = 0;
        int start = 0;
        while (start < word.Length)
        {
            int end = word.Length;
            int found = -1;
            while (end > start)
            {
                ReadOnlySpan<char> piece;
                if (start > 0)
                {
                    scratch[0] = '#';
                    scratch[1] = '#';
                    word[start..end].CopyTo(scratch.AsSpan(2));
                    piece = scratch.AsSpan(0, end - start + 2);
                }
                else
                {
                    piece = word[start..end];
                }

                if (_lookup.TryGetValue(piece, out int id))
                {
                    found = id;
                    break;
                }

                end--;
                if (end > start && char.IsLowSurrogate(word[end]))
                {
                    end--;
                }
            }

            if (found < 0)
            {
                sink.Add(UnknownId);
                return;
            }

            pieces[count++] = found;
            start = end;
        }

        for (int i = 0; i < count && sink.Add(pieces[i]); i++)
        {
        }
    }

    private void Normalize(ReadOnlySpan<char> text, ref ValueStringBuilder output)
    {
        var stripped = new ValueStringBuilder(text.Length + 16);
        try
        {
            for (int i = 0; i < text.Length;)
            {
                var status = Rune.DecodeFromUtf16(text[i..], out var rune, out int width);
                i += width;
                if (status != OperationStatus.Done)
                {
                    continue; // a lone surrogate (category Cs) is a control character: removed, as clean_text removes it.
                }

                int value = rune.Value;
                if (Options.CleanText)
                {
                    if (value == 0 || value == 0xFFFD || IsControl(rune))
                    {
                        continue;
                    }

                    if (Rune.IsWhiteSpace(rune))
                    {
                        stripped.Append(' ');
                        continue;
                    }
                }

                bool chinese = Options.HandleChineseCharacters && IsChinese(value);
                if (chinese)
                {
                    stripped.Append(' ');
                }

                if (Options.StripAccents ?? Options.Lowercase)
                {
                    AccentTable.AppendStripped(rune, ref stripped);
                }
                else
                {
                    stripped.Append(rune);
                }

                if (chinese)
                {
                    stripped.Append(' ');
                }
            }

            var span = stripped.AsSpan();
            if (!Options.Lowercase)
            {
                output.Append(span);
                return;
            }

            for (int i = 0; i < span.Length;)
            {
                Rune.DecodeFromUtf16(span[i..], out var rune, out int width);
                output.Append(Rune.ToLowerInvariant(rune));
                i += width;
            }
        }
        finally
        {
            stripped.Dispose();
        }
    }

    private static bool IsControl(Rune rune)
    {
        int value = rune.Value;
        if (value is '\t' or '\n' or '\r')
        {
            return false;
        }

        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    private static bool IsPunctuation(Rune rune)
    {
        int value = rune.Value;
        if (value is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        if (value < 128)
        {
            return false;
        }

        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    private static bool IsChinese(int value) =>
        value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private int Require(string token) =>
        _vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new ArgumentException($"The vocabulary has no '{token}' token ({_tokens.Length} tokens).");

    /// <summary>Where ids go: a fixed span (stopping when full, for truncation) or a list (unbounded).</summary>
    private ref struct IdSink
    {
        private readonly Span<long> _span;
        private readonly List<int>? _list;

        public IdSink(Span<long> span)
        {
            _span = span;
            _list = null;
            Count = 0;
            Truncated = false;
        }

        public IdSink(List<int> list)
        {
            _span = default;
            _list = list;
            Count = 0;
            Truncated = false;
        }

        public int Count { get; private set; }

        public bool Truncated { get; private set; }

        public readonly bool Full => _list is null && Truncated;

        public bool Add(int id)
        {
            if (_list is not null)
            {
                _list.Add(id);
                Count++;
                return true;
            }

            if (Count == _span.Length)
            {
                Truncated = true;
                return false;
            }

            _span[Count++] = id;
            return true;
        }
    }
}
