using System.Globalization;
using ModelKit.Protocol;

namespace ModelKit.Server;

/// <summary>
/// Triton's classification extension: an output requested with the <c>classification</c> parameter (<c>class_count</c> in
/// tritonclient) is answered as a BYTES tensor of its top-k entries, each <c>"score:index"</c> or, with a label file,
/// <c>"score:index:label"</c>. As Triton does (server src/classification.cc), scores are printed as C's <c>%f</c> for floating
/// types and as integers otherwise; the shape is <c>[k]</c>, or <c>[batch, k]</c> with one top-k per batch row when the model
/// batches (max_batch_size &gt; 0); k is at most the number of classes.
/// </summary>
internal static class Classification
{
    /// <summary>The extension's name in <c>GET /v2</c>.</summary>
    public const string Extension = "classification";

    /// <summary>The requested output's parameter.</summary>
    public const string Parameter = "classification";

    /// <summary>The label file looked for in the version folder, then in the model folder.</summary>
    public const string LabelFileName = "labels.txt";

    /// <summary>The class count an output asks for, or 0.</summary>
    public static int RequestedCount(InferRequestedOutput output)
    {
        if (output.Parameters is not { } parameters || !parameters.TryGetValue(Parameter, out var value))
        {
            return 0;
        }

        if (!value.TryGetInt64(out long count) || count < 0 || count > int.MaxValue)
        {
            throw new InferenceRequestException("invalid_parameter",
                $"Output '{output.Name}': the \"{Parameter}\" parameter must be a non-negative integer (got {ErrorClassifier.Bound(value.ToString() ?? string.Empty)}).");
        }

        return (int)count;
    }

    /// <summary>The top-<paramref name="count"/> classes of <paramref name="value"/>.</summary>
    public static TensorValue TopK(string output, TensorValue value, int count, bool batched, IReadOnlyList<string>? labels)
    {
        double[] scores = ToDoubles(output, value, out bool floating);
        bool perRow = batched && value.Shape.Length > 0;
        int rows = perRow ? (int)value.Shape[0] : 1;
        int perRowCount = rows == 0 ? 0 : scores.Length / rows;
        int k = Math.Min(count, perRowCount);
        var result = new string[rows * k];
        var order = new int[perRowCount];
        for (int row = 0; row < rows; row++)
        {
            int offset = row * perRowCount;
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            // Highest score first; ties keep the lower index first.
            Array.Sort(order, (a, b) =>
            {
                int byScore = scores[offset + b].CompareTo(scores[offset + a]);
                return byScore != 0 ? byScore : a.CompareTo(b);
            });
            for (int j = 0; j < k; j++)
            {
                int index = order[j];
                double score = scores[offset + index];
                string text = floating ? score.ToString("F6", CultureInfo.InvariantCulture) : score.ToString("F0", CultureInfo.InvariantCulture);
                text = string.Concat(text, ":", index.ToString(CultureInfo.InvariantCulture));
                if (labels is not null && index < labels.Count)
                {
                    text = string.Concat(text, ":", labels[index]);
                }

                result[(row * k) + j] = text;
            }
        }

        return perRow ? TensorValue.Create(result, rows, k) : TensorValue.Create(result, k);
    }

    /// <summary>Reads a label file (one label per line), or null when there is none.</summary>
    public static string[]? LoadLabels(string modelPath)
    {
        string? versionFolder = Path.GetDirectoryName(modelPath);
        foreach (var folder in new[] { versionFolder, versionFolder is null ? null : Path.GetDirectoryName(versionFolder) })
        {
            if (folder is not null && File.Exists(Path.Combine(folder, LabelFileName)))
            {
                return File.ReadAllLines(Path.Combine(folder, LabelFileName));
            }
        }

        return null;
    }

    private static double[] ToDoubles(string output, TensorValue value, out bool floating)
    {
        var buffer = value.Buffer;
        floating = value.ElementType is TensorElementType.Float or TensorElementType.Double;
        return value.ElementType switch
        {
            TensorElementType.Float => Convert(buffer.AsSpan<float>(), static v => v),
            TensorElementType.Double => buffer.AsSpan<double>().ToArray(),
            TensorElementType.Int8 => Convert(buffer.AsSpan<sbyte>(), static v => v),
            TensorElementType.UInt8 => Convert(buffer.AsSpan<byte>(), static v => v),
            TensorElementType.Int16 => Convert(buffer.AsSpan<short>(), static v => v),
            TensorElementType.UInt16 => Convert(buffer.AsSpan<ushort>(), static v => v),
            TensorElementType.Int32 => Convert(buffer.AsSpan<int>(), static v => v),
            TensorElementType.UInt32 => Convert(buffer.AsSpan<uint>(), static v => v),
            TensorElementType.Int64 => Convert(buffer.AsSpan<long>(), static v => v),
            TensorElementType.UInt64 => Convert(buffer.AsSpan<ulong>(), static v => v),
            _ => throw new InferenceRequestException("invalid_parameter",
                $"class result not available for output '{output}' due to unsupported type '{InferenceDataTypes.FromElementType(value.ElementType)}'."),
        };
    }

    private static double[] Convert<T>(ReadOnlySpan<T> values, Func<T, double> convert)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = convert(values[i]);
        }

        return result;
    }
}
