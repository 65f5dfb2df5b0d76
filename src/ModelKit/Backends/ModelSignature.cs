using System.Text;

namespace ModelKit;

/// <summary>A model input or output as the model declares it.</summary>
/// <param name="Name">Graph name.</param>
/// <param name="ElementType">Element type.</param>
/// <param name="Shape">Dimensions, <c>-1</c> where dynamic or symbolic.</param>
/// <param name="DimensionNames">Symbolic dimension names where the model has them (null entries elsewhere).</param>
public sealed record TensorInfo(string Name, TensorElementType ElementType, long[] Shape, IReadOnlyList<string?>? DimensionNames = null)
{
    /// <summary>The tensor as <c>name: ONNX type[shape]</c> (e.g. <c>Input3: float[1,1,28,28]</c>), as error messages print it.</summary>
    public override string ToString() => $"{Name}: {TensorElementTypes.OnnxName(ElementType)}{TensorShape.Format(Shape)}";

    /// <summary>
    /// A zero-filled tensor of this shape (empty strings for string tensors), dynamic dimension 0 as <paramref name="rows"/> and
    /// other dynamic dimensions as 1: what warm-up runs and load tests send.
    /// </summary>
    public TensorValue CreateZeros(long rows = 1)
    {
        var shape = new long[Shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            shape[d] = Shape[d] >= 0 ? Shape[d] : d == 0 ? rows : 1;
        }

        var buffer = TensorElementTypes.Allocate(ElementType, checked((int)TensorShape.ElementCount(shape)));
        if (ElementType == TensorElementType.String)
        {
            buffer.AsSpan<string>().Fill(string.Empty);
        }

        return new TensorValue(shape, buffer);
    }
}

/// <summary>A model's inputs and outputs.</summary>
public sealed class ModelSignature(IReadOnlyList<TensorInfo> inputs, IReadOnlyList<TensorInfo> outputs)
{
    /// <summary>The graph inputs (initializers excluded).</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; } = inputs;

    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; } = outputs;

    /// <summary>The input named <paramref name="name"/>, or null.</summary>
    public TensorInfo? FindInput(string name) => Find(Inputs, name);

    /// <summary>The output named <paramref name="name"/>, or null.</summary>
    public TensorInfo? FindOutput(string name) => Find(Outputs, name);

    /// <summary>Index of an input by name, or -1.</summary>
    public int IndexOfInput(string name) => IndexOf(Inputs, name);

    /// <summary>Index of an output by name, or -1.</summary>
    public int IndexOfOutput(string name) => IndexOf(Outputs, name);

    /// <summary>The signature as text: one line for inputs, one for outputs.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.Append("inputs: ").AppendJoin(", ", Inputs).Append("; outputs: ").AppendJoin(", ", Outputs);
        return builder.ToString();
    }

    private static TensorInfo? Find(IReadOnlyList<TensorInfo> list, string name)
    {
        int index = IndexOf(list, name);
        return index < 0 ? null : list[index];
    }

    private static int IndexOf(IReadOnlyList<TensorInfo> list, string name)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
