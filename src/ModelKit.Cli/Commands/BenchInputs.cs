using System.Globalization;
using System.Text;
using ModelKit.Binding;

namespace ModelKit.Cli.Commands;

/// <summary>
/// The request <c>modelkit bench</c> sends: zero-filled inputs shaped from the signature, except those given with
/// <c>--input NAME=VALUE</c>: <c>NAME=@FILE</c> sends the file's raw bytes as each element of a BYTES input (an image to an OCR
/// pipeline), <c>NAME=TEXT</c> sends the text as each element of a BYTES input (UTF-8), or fills a numeric input with the number.
/// </summary>
internal static class BenchInputs
{
    /// <summary>The request's inputs, or null with the reason in <paramref name="error"/>.</summary>
    public static NamedTensor[]? Create(ModelSignature signature, IReadOnlyList<string> specs, int batch, out string? error)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"--input '{spec}' is not NAME=VALUE (NAME=@FILE for a file's bytes, NAME=TEXT for text or a number).";
                return null;
            }

            string name = spec[..eq];
            if (!signature.Inputs.Any(i => string.Equals(i.Name, name, StringComparison.Ordinal)))
            {
                error = $"--input '{name}': the model has no such input (inputs: {string.Join(", ", signature.Inputs.Select(static i => i.Name))}).";
                return null;
            }

            given[name] = spec[(eq + 1)..];
        }

        var inputs = new NamedTensor[signature.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var input = signature.Inputs[i];
            var zeros = input.CreateZeros(batch);
            if (!given.TryGetValue(input.Name, out string? value))
            {
                inputs[i] = new NamedTensor(input.Name, zeros);
                continue;
            }

            var filled = Fill(input, zeros.Shape, value, out error);
            if (filled is null)
            {
                return null;
            }

            inputs[i] = new NamedTensor(input.Name, filled.Value);
        }

        error = null;
        return inputs;
    }

    /// <summary>How an input is described in the bench's header: its shape, and what fills it when given.</summary>
    public static string Describe(NamedTensor input, IReadOnlyList<string> specs)
    {
        string shape = $"{input.Name} {TensorShape.Format(input.Value.Shape)}";
        string? spec = specs.LastOrDefault(s => s.StartsWith(input.Name + "=", StringComparison.Ordinal));
        if (spec is null)
        {
            return shape;
        }

        string value = spec[(input.Name.Length + 1)..];
        return input.Value.Buffer.ElementType == TensorElementType.Binary && value.StartsWith('@')
            ? string.Create(CultureInfo.InvariantCulture, $"{shape} = {value} ({input.Value.Buffer.AsSpan<ReadOnlyMemory<byte>>()[0].Length:N0} bytes)")
            : $"{shape} = {value}";
    }

    private static TensorValue? Fill(TensorInfo input, long[] shape, string value, out string? error)
    {
        int count = checked((int)TensorShape.ElementCount(shape));
        error = null;
        if (input.ElementType is TensorElementType.String or TensorElementType.Binary)
        {
            if (value.StartsWith('@'))
            {
                string path = value[1..];
                if (!File.Exists(path))
                {
                    error = $"--input {input.Name}=@{path}: no such file.";
                    return null;
                }

                var bytes = (ReadOnlyMemory<byte>)File.ReadAllBytes(path);
                return TensorValue.Create(Enumerable.Repeat(bytes, count).ToArray(), shape);
            }

            return input.ElementType == TensorElementType.Binary
                ? TensorValue.Create(Enumerable.Repeat((ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(value), count).ToArray(), shape)
                : TensorValue.Create(Enumerable.Repeat(value, count).ToArray(), shape);
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            error = $"--input {input.Name}={value}: input '{input.Name}' is {TensorElementTypes.OnnxName(input.ElementType)}; give a number to fill it with.";
            return null;
        }

        switch (input.ElementType)
        {
            case TensorElementType.Float: return TensorValue.Create(Enumerable.Repeat((float)number, count).ToArray(), shape);
            case TensorElementType.Double: return TensorValue.Create(Enumerable.Repeat(number, count).ToArray(), shape);
            case TensorElementType.Int64: return TensorValue.Create(Enumerable.Repeat((long)number, count).ToArray(), shape);
            case TensorElementType.Int32: return TensorValue.Create(Enumerable.Repeat((int)number, count).ToArray(), shape);
            case TensorElementType.Int16: return TensorValue.Create(Enumerable.Repeat((short)number, count).ToArray(), shape);
            case TensorElementType.Int8: return TensorValue.Create(Enumerable.Repeat((sbyte)number, count).ToArray(), shape);
            case TensorElementType.UInt8: return TensorValue.Create(Enumerable.Repeat((byte)number, count).ToArray(), shape);
            case TensorElementType.Bool: return TensorValue.Create(Enumerable.Repeat(number != 0, count).ToArray(), shape);
            default:
                error = $"--input {input.Name}: filling a {TensorElementTypes.OnnxName(input.ElementType)} input is not supported; leave it zero-filled.";
                return null;
        }
    }
}
