using System.Text;

namespace ModelKit.Vision.Recognition;

/// <summary>One decoded line: its text and its confidence (the mean of the kept characters' probabilities; 0 when empty).</summary>
public readonly record struct CtcResult(string Text, float Confidence);

/// <summary>
/// Greedy CTC decoding over a character set: class 0 is the blank, classes 1…n the dictionary's characters (one per line of
/// <c>ppocr_keys_v1.txt</c>), and class n+1 a space (PaddleOCR's <c>use_space_char</c>). Per time step the best class wins;
/// repeats collapse and blanks drop. Thread-safe.
/// </summary>
public sealed class CtcDecoder
{
    private readonly string[] _classes;

    /// <summary>Creates a decoder whose classes are the blank, <paramref name="characters"/> in order, and a space when <paramref name="appendSpace"/> (PaddleOCR's <c>use_space_char</c>).</summary>
    public CtcDecoder(IReadOnlyList<string> characters, bool appendSpace = true)
    {
        ArgumentNullException.ThrowIfNull(characters);
        var classes = new List<string>(characters.Count + 2) { string.Empty };
        classes.AddRange(characters);
        if (appendSpace)
        {
            classes.Add(" ");
        }

        _classes = classes.ToArray();
    }

    /// <summary>The number of classes the model must output (blank + characters + space).</summary>
    public int ClassCount => _classes.Length;

    /// <summary>Reads a dictionary file (one character per line; UTF-8; LF or CRLF).</summary>
    public static CtcDecoder FromDictionary(string path, bool appendSpace = true)
    {
        var lines = File.ReadAllText(path, Encoding.UTF8).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return new CtcDecoder(lines, appendSpace);
    }

    /// <summary>Decodes one line's [steps, classes] probabilities (row-major).</summary>
    public CtcResult Decode(ReadOnlySpan<float> probabilities, int steps)
    {
        int classes = _classes.Length;
        if (probabilities.Length != steps * classes)
        {
            throw new ArgumentException($"Expected {steps} steps × {classes} classes = {steps * classes} values; got {probabilities.Length}.", nameof(probabilities));
        }

        var text = new StringBuilder();
        double confidence = 0;
        int kept = 0, previous = -1;
        for (int t = 0; t < steps; t++)
        {
            var row = probabilities.Slice(t * classes, classes);
            int best = 0;
            float bestP = row[0];
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > bestP)
                {
                    bestP = row[c];
                    best = c;
                }
            }

            if (best != 0 && best != previous)
            {
                text.Append(_classes[best]);
                confidence += bestP;
                kept++;
            }

            previous = best;
        }

        return new CtcResult(text.ToString(), kept == 0 ? 0f : (float)(confidence / kept));
    }
}
