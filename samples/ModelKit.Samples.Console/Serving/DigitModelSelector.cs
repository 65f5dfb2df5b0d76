using ModelKit.OnnxFormat;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>Which client serves a model file.</summary>
internal enum DigitModelKind
{
    /// <summary>The seeds' MLP contract, <see cref="Contracts.IMlpDigitClassifier"/> (<c>pixels</c> → <c>probabilities</c>).</summary>
    Mlp,

    /// <summary>The model zoo CNN's contract, <see cref="Contracts.IDigitClassifier"/> (<c>Input3</c> → <c>Plus214_Output_0</c>).</summary>
    Cnn,

    /// <summary>No contract names its tensors, but it is MNIST-shaped: the untyped <see cref="DynamicModelClient"/>.</summary>
    Untyped,
}

/// <summary>
/// Picks the contract for a model by its signature (read from the file without loading weights): the tensor names decide
/// between the two typed contracts; any other model with one float input of 784 values per digit and a float output of 10
/// runs untyped.
/// </summary>
internal static class DigitModelSelector
{
    public static DigitModelKind Select(string path)
    {
        OnnxModelSignature signature;
        try
        {
            signature = OnnxSignatureReader.Read(path);
        }
        catch (OnnxFormatException ex)
        {
            throw new ModelLoadException("digits", $"'{path}' is not a readable ONNX model: {ex.Message}", ex);
        }

        return Select(signature) ?? throw new InvalidOperationException(
            $"'{path}' is not MNIST-shaped. Its signature: inputs {string.Join(", ", signature.Inputs)}; outputs {string.Join(", ", signature.Outputs)}. " +
            "Expected 'pixels' float[N,784] → 'probabilities' float[N,10] (the seeds' MLP), 'Input3' float[1,1,28,28] → 'Plus214_Output_0' float[1,10] " +
            "(the model zoo CNN), or any one float input of 784 values per digit and a float output of 10.");
    }

    public static DigitModelKind? Select(OnnxModelSignature signature)
    {
        if (HasFloat(signature.Inputs, "pixels") && HasFloat(signature.Outputs, "probabilities"))
        {
            return DigitModelKind.Mlp;
        }

        if (HasFloat(signature.Inputs, "Input3") && HasFloat(signature.Outputs, "Plus214_Output_0"))
        {
            return DigitModelKind.Cnn;
        }

        if (signature.Inputs.Count == 1 && signature.Outputs.Count >= 1
            && IsFloatWithValuesPerItem(signature.Inputs[0], 784) && IsFloatWithValuesPerItem(signature.Outputs[0], 10))
        {
            return DigitModelKind.Untyped;
        }

        return null;
    }

    private static bool HasFloat(IReadOnlyList<OnnxValueInfo> values, string name) =>
        values.Any(v => v.Name == name && v.Kind == OnnxValueKind.Tensor && v.ElementType == OnnxDataType.Float);

    /// <summary>A float tensor whose dimensions after a dynamic batch dimension (or all of them) hold <paramref name="count"/> values.</summary>
    private static bool IsFloatWithValuesPerItem(OnnxValueInfo value, long count)
    {
        if (value.Kind != OnnxValueKind.Tensor || value.ElementType != OnnxDataType.Float || !value.HasShape || value.Shape.Length == 0)
        {
            return false;
        }

        var perItem = value.Shape[0] < 0 ? value.Shape.Skip(1) : value.Shape;
        long product = 1;
        foreach (long d in perItem)
        {
            if (d < 0)
            {
                return false;
            }

            product *= d;
        }

        return product == count;
    }
}
