namespace ModelKit.Binding;

/// <summary>One tensor of an operation after binding to a model: the effective shape and its index in the model.</summary>
/// <param name="Descriptor">The contract's declaration.</param>
/// <param name="Shape">The effective shape: the contract's where declared, else the model's (<c>-1</c> dynamic).</param>
/// <param name="ModelIndex">Index among the model's inputs or outputs.</param>
/// <param name="ModelShape">The model's declared shape.</param>
public sealed record BoundTensor(TensorDescriptor Descriptor, long[] Shape, int ModelIndex, long[] ModelShape)
{
    /// <summary>The tensor's name in the model.</summary>
    public string Name => Descriptor.Name;

    /// <summary>The tensor's element type.</summary>
    public TensorElementType ElementType => Descriptor.ElementType;
}

/// <summary>An operation bound to a model's signature: shapes merged, names resolved, stacking decided.</summary>
public sealed class BoundOperation
{
    internal BoundOperation(OperationDescriptor descriptor, string modelName, BoundTensor[] inputs, BoundTensor[] outputs, bool canStack)
    {
        Descriptor = descriptor;
        ModelName = modelName;
        Inputs = inputs;
        Outputs = outputs;
        CanStack = canStack;
        InputNames = Array.ConvertAll(inputs, static t => t.Name);
        OutputNames = Array.ConvertAll(outputs, static t => t.Name);
        InputPadAxes = PadAxes(inputs, descriptor.Padding?.Inputs);
        OutputPadAxes = PadAxes(outputs, descriptor.Padding?.Outputs);
        LengthInput = descriptor.Padding is { Inputs.Count: > 0 } padding ? Array.FindIndex(inputs, t => t.Name == padding.Inputs[0].Name) : -1;
    }

    /// <summary>The operation as the contract declared it.</summary>
    public OperationDescriptor Descriptor { get; }

    /// <summary>The model the operation is bound to.</summary>
    public string ModelName { get; }

    /// <summary>The inputs in the contract's order, each with its effective shape and index in the model.</summary>
    public IReadOnlyList<BoundTensor> Inputs { get; }

    /// <summary>The outputs the contract reads, in the contract's order.</summary>
    public IReadOnlyList<BoundTensor> Outputs { get; }

    /// <summary>The input names, in the order of <see cref="Inputs"/> (cached for backends that pass names to the runtime).</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The output names, in the order of <see cref="Outputs"/>.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Whether several calls can be stacked along dimension 0 into one run (every model input and output has a dynamic first dimension).</summary>
    public bool CanStack { get; }

    /// <summary>Per input, the axis along which calls are zero-padded to the longest when stacked (<c>-1</c>: none); from <see cref="OperationDescriptor.Padding"/>.</summary>
    internal int[] InputPadAxes { get; }

    /// <summary>Per output, the axis trimmed back to each call's length after a padded run (<c>-1</c>: none).</summary>
    internal int[] OutputPadAxes { get; }

    /// <summary>The input whose padded axis gives a call's length (for grouping by length and trimming), or <c>-1</c> when the operation has no padding.</summary>
    internal int LengthInput { get; }

    /// <summary>Whether calls of different lengths may be padded into one run.</summary>
    public bool IsVariableLength => LengthInput >= 0;

    private static int[] PadAxes(BoundTensor[] tensors, IReadOnlyList<Processing.PaddedTensor>? padded)
    {
        var axes = new int[tensors.Length];
        Array.Fill(axes, -1);
        if (padded is null)
        {
            return axes;
        }

        foreach (var entry in padded)
        {
            int index = Array.FindIndex(tensors, t => t.Name == entry.Name);
            if (index >= 0)
            {
                axes[index] = entry.Axis;
            }
        }

        return axes;
    }

    /// <summary>Binds <paramref name="operation"/> to <paramref name="signature"/>, or throws <see cref="ModelContractMismatchException"/> listing every disagreement.</summary>
    public static BoundOperation Bind(OperationDescriptor operation, string modelName, ModelSignature signature)
    {
        var problems = new List<string>();
        var inputs = new BoundTensor[operation.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var declared = operation.Inputs[i];
            int index = signature.IndexOfInput(declared.Name);
            if (index < 0)
            {
                problems.Add(Sentence($"{declared.Member} names input '{declared.Name}', which the model does not have{Suggest(declared.Name, signature.Inputs)}."));
                continue;
            }

            inputs[i] = BindTensor(declared, signature.Inputs[index], index, "input", problems);
        }

        var supplied = new HashSet<string>(operation.Inputs.Select(static d => d.Name), StringComparer.Ordinal);
        foreach (var modelInput in signature.Inputs)
        {
            if (!supplied.Contains(modelInput.Name))
            {
                problems.Add(Sentence($"the model requires input '{modelInput.Name}' ({TensorElementTypes.OnnxName(modelInput.ElementType)}{TensorShape.Format(modelInput.Shape)}), which {operation.Method} never supplies."));
            }
        }

        var outputs = new BoundTensor[operation.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            var declared = operation.Outputs[i];
            int index = signature.IndexOfOutput(declared.Name);
            if (index < 0)
            {
                problems.Add(Sentence($"{declared.Member} names output '{declared.Name}', which the model does not have{Suggest(declared.Name, signature.Outputs)}."));
                continue;
            }

            outputs[i] = BindTensor(declared, signature.Outputs[index], index, "output", problems);
        }

        if (operation.Padding is { } padding)
        {
            CheckPadding(padding.Inputs, inputs, "input", problems);
            CheckPadding(padding.Outputs, outputs, "output", problems);
        }

        if (problems.Count > 0)
        {
            throw new ModelContractMismatchException(operation.DisplayName, modelName, problems, signature);
        }

        bool canStack = inputs.Length > 0
            && inputs.All(static t => t.ModelShape.Length > 0 && t.ModelShape[0] < 0 && t.Shape.Length > 0 && t.ElementType is not (TensorElementType.String or TensorElementType.Binary))
            && outputs.All(static t => t.ModelShape.Length > 0 && t.ModelShape[0] < 0);
        return new BoundOperation(operation, modelName, inputs, outputs, canStack);
    }

    private static void CheckPadding(IReadOnlyList<Processing.PaddedTensor> padded, BoundTensor[] tensors, string kind, List<string> problems)
    {
        foreach (var entry in padded)
        {
            var tensor = Array.Find(tensors, t => t is not null && t.Name == entry.Name);
            if (tensor is null)
            {
                problems.Add($"the padding names {kind} '{entry.Name}', which the operation does not have.");
            }
            else if (entry.Axis < 1 || entry.Axis >= tensor.ModelShape.Length)
            {
                problems.Add($"the padding pads {kind} '{entry.Name}' along axis {entry.Axis}, but only axes 1..{tensor.ModelShape.Length - 1} of {TensorShape.Format(tensor.ModelShape)} can vary in length.");
            }
            else if (tensor.ModelShape[entry.Axis] >= 0)
            {
                problems.Add($"the padding pads {kind} '{entry.Name}' along axis {entry.Axis}, which the model fixes at {tensor.ModelShape[entry.Axis]} (shape {TensorShape.Format(tensor.ModelShape)}).");
            }
        }
    }

    private static BoundTensor BindTensor(TensorDescriptor declared, TensorInfo model, int index, string kind, List<string> problems)
    {
        if (declared.ElementType != model.ElementType)
        {
            problems.Add(Sentence($"{declared.Member} is {TensorElementTypes.ClrName(declared.ElementType)} but {kind} '{model.Name}' is {TensorElementTypes.OnnxName(model.ElementType)} ({TensorElementTypes.ClrName(model.ElementType)}).{BinaryHint(declared.ElementType, model.ElementType)}"));
        }

        long[] shape = model.Shape;
        if (declared.Shape is { } declaredShape)
        {
            if (declaredShape.Length != model.Shape.Length)
            {
                problems.Add(Sentence($"{declared.Member} declares shape {TensorShape.Format(declaredShape)} (rank {declaredShape.Length}) but {kind} '{model.Name}' has shape {TensorShape.Format(model.Shape)} (rank {model.Shape.Length})."));
            }
            else
            {
                shape = (long[])declaredShape.Clone();
                for (int d = 0; d < shape.Length; d++)
                {
                    if (shape[d] >= 0 && model.Shape[d] >= 0 && shape[d] != model.Shape[d])
                    {
                        problems.Add(Sentence($"{declared.Member} declares dimension {d} = {shape[d]} but {kind} '{model.Name}' has {model.Shape[d]} (shape {TensorShape.Format(model.Shape)})."));
                    }
                    else if (shape[d] < 0 && model.Shape[d] >= 0)
                    {
                        shape[d] = model.Shape[d];
                    }
                }
            }
        }

        return new BoundTensor(declared, shape, index, model.Shape);
    }

    /// <summary>What to declare when binary elements meet text or bytes (the mistakes the element types alone do not explain).</summary>
    private static string BinaryHint(TensorElementType declared, TensorElementType model) => (declared, model) switch
    {
        (TensorElementType.Binary, TensorElementType.String) =>
            " Binary elements (ReadOnlyMemory<byte>) go to the BYTES tensors of remote servers and served pipelines; this STRING tensor takes UTF-8 text (ONNX has no bytes type): declare string elements.",
        (TensorElementType.String, TensorElementType.Binary) =>
            " Its elements are binary (an encoded image, a file), not text: declare ReadOnlyMemory<byte>[] or ModelTensor<ReadOnlyMemory<byte>>.",
        (TensorElementType.UInt8, TensorElementType.Binary or TensorElementType.String) =>
            " One binary element is a ReadOnlyMemory<byte>: declare ReadOnlyMemory<byte>[] (a byte[] or ReadOnlyMemory<byte> member is a UINT8 tensor).",
        _ => string.Empty,
    };

    private static string Suggest(string name, IReadOnlyList<TensorInfo> candidates)
    {
        if (candidates.Count == 0)
        {
            return string.Empty;
        }

        var close = NameSuggestions.Closest(name, candidates.Select(static c => c.Name));
        return close.Count > 0
            ? $" (did you mean {NameSuggestions.Format(close)}?)"
            : $" (it has {string.Join(", ", candidates.Select(static c => $"'{c.Name}'"))})";
    }

    /// <summary>A problem as a sentence of the message: its first letter upper case ("Parameter 'pixels' names…", "The model requires…").</summary>
    private static string Sentence(string problem) =>
        problem.Length > 0 && char.IsLower(problem[0]) ? char.ToUpperInvariant(problem[0]) + problem[1..] : problem;
}
