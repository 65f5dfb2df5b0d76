using ModelKit.Batching;

namespace ModelKit.Binding;

/// <summary>
/// Stacks several calls' inputs along dimension 0 into one call, and slices the outputs back. Used by batch methods and the batcher.
/// For variable-length operations (<see cref="BoundOperation.IsVariableLength"/>) inputs are zero-padded to the longest call along
/// their padded axis, and outputs declared in <see cref="OperationDescriptor.Padding"/> are trimmed back to each call's length.
/// </summary>
public static class TensorStacker
{
    /// <summary>
    /// Whether <paramref name="calls"/> can run as one: the operation allows stacking and every input agrees beyond dimension 0
    /// (except along a padded axis of a variable-length operation).
    /// </summary>
    public static bool CanStack(BoundOperation operation, IReadOnlyList<InferenceCall> calls)
    {
        if (!operation.CanStack || calls.Count == 0)
        {
            return false;
        }

        var padAxes = operation.InputPadAxes;
        var first = calls[0];
        for (int k = 0; k < calls.Count; k++)
        {
            var call = calls[k];
            long rows = call.Inputs[0].Shape.Length > 0 ? call.Inputs[0].Shape[0] : -1;
            if (rows <= 0)
            {
                return false;
            }

            for (int i = 0; i < call.Inputs.Length; i++)
            {
                var shape = call.Inputs[i].Shape;
                var firstShape = first.Inputs[i].Shape;
                if (shape.Length == 0 || shape.Length != firstShape.Length || shape[0] != rows)
                {
                    return false;
                }

                int pad = padAxes[i];
                for (int d = 1; d < shape.Length; d++)
                {
                    if (d != pad && shape[d] != firstShape[d])
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Copies every call's inputs into <paramref name="target"/>'s inputs, one after another along dimension 0, zero-padding variable lengths.</summary>
    public static void Stack(IReadOnlyList<InferenceCall> calls, InferenceCall target)
    {
        long totalRows = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            totalRows += calls[k].Inputs[0].Shape[0];
        }

        var padAxes = target.Operation.InputPadAxes;
        for (int i = 0; i < target.Inputs.Length; i++)
        {
            var firstShape = calls[0].Inputs[i].Shape;
            int pad = padAxes[i];
            long maxLength = pad >= 0 ? MaxLength(calls, i, pad) : 0;
            var shape = (long[])firstShape.Clone();
            shape[0] = totalRows;
            if (pad >= 0)
            {
                shape[pad] = maxLength;
            }

            long total = TensorShape.ElementCount(shape);

            // The stacked call is pooled: its buffers are kept and reused, so steady batching allocates nothing here.
            var type = calls[0].Inputs[i].ElementType;
            var scratch = target.StackScratch ??= new TensorBuffer[target.Inputs.Length];
            if (scratch[i].IsEmpty || scratch[i].ElementType != type || scratch[i].Length < total)
            {
                scratch[i] = TensorElementTypes.Allocate(type, checked((int)total));
            }

            var buffer = scratch[i].Slice(0, (int)total);
            int offset = 0;
            for (int k = 0; k < calls.Count; k++)
            {
                var source = calls[k].Inputs[i];
                if (pad < 0 || source.Shape[pad] == maxLength)
                {
                    source.Buffer.CopyTo(buffer.Slice(offset, source.Buffer.Length));
                    offset += source.Buffer.Length;
                    continue;
                }

                // [outer, length, inner] → [outer, maxLength, inner]: each block copied, the tail of each block zeroed.
                long length = source.Shape[pad];
                int inner = (int)Product(source.Shape, pad + 1, source.Shape.Length);
                int outer = (int)Product(source.Shape, 0, pad);
                int block = checked((int)(length * inner));
                int paddedBlock = checked((int)(maxLength * inner));
                for (int o = 0; o < outer; o++)
                {
                    source.Buffer.Slice(o * block, block).CopyTo(buffer.Slice(offset, block));
                    Clear(buffer.Slice(offset + block, paddedBlock - block));
                    offset += paddedBlock;
                }
            }

            target.Inputs[i] = new TensorValue(shape, buffer);
        }
    }

    /// <summary>Slices <paramref name="source"/>'s outputs back to each call, by the rows each call contributed (trimming padded outputs to each call's length).</summary>
    public static void Unstack(InferenceCall source, IReadOnlyList<InferenceCall> calls)
    {
        long totalRows = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            totalRows += calls[k].Inputs[0].Shape[0];
        }

        var operation = source.Operation;
        int lengthInput = operation.LengthInput;
        long paddedLength = lengthInput >= 0 ? source.Inputs[lengthInput].Shape[operation.InputPadAxes[lengthInput]] : 0;
        for (int o = 0; o < source.Outputs.Length; o++)
        {
            var value = source.Outputs[o];
            if (value.Shape.Length == 0 || value.Shape[0] != totalRows || value.Buffer.Length % totalRows != 0)
            {
                throw new ModelExecutionException(source.Operation.ModelName,
                    $"output '{source.Operation.Outputs[o].Name}' has shape {TensorShape.Format(value.Shape)}, which cannot be split into the {totalRows} stacked rows.");
            }

            int trimAxis = lengthInput >= 0 ? operation.OutputPadAxes[o] : -1;
            if (trimAxis >= value.Shape.Length)
            {
                trimAxis = -1;
            }

            int rowSize = (int)(value.Buffer.Length / totalRows);
            int offset = 0;
            for (int k = 0; k < calls.Count; k++)
            {
                var call = calls[k];
                long rows = call.Inputs[0].Shape[0];
                int length = checked((int)(rows * rowSize));
                var shape = (long[])value.Shape.Clone();
                shape[0] = rows;
                var slice = value.Buffer.Slice(offset, length);
                offset += length;
                if (trimAxis > 0)
                {
                    long own = call.Inputs[lengthInput].Shape[operation.InputPadAxes[lengthInput]];
                    long outLength = value.Shape[trimAxis];
                    long trimmed = own == paddedLength ? outLength : (outLength * own + paddedLength - 1) / paddedLength;
                    if (trimmed != outLength)
                    {
                        shape[trimAxis] = trimmed;
                        slice = Trim(slice, value.Shape, trimAxis, rows, trimmed, call.OutputProvided[o] ? call.Outputs[o].Buffer : default);
                        length = slice.Length;
                    }
                }

                if (call.OutputProvided[o])
                {
                    var destination = call.Outputs[o].Buffer;
                    if (destination.Length != length)
                    {
                        var bound = call.Operation.Outputs[o];
                        throw new TensorMismatchException(call.Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                            $"a destination of {length} elements", $"{destination.Length} elements");
                    }

                    if (!SameMemory(slice, destination))
                    {
                        slice.CopyTo(destination);
                    }

                    call.Outputs[o] = new TensorValue(shape, destination);
                }
                else
                {
                    call.Outputs[o] = new TensorValue(shape, slice);
                }
            }
        }
    }

    /// <summary>
    /// Orders <paramref name="calls"/> by length and cuts them into runs that respect <see cref="Processing.PaddingDescriptor.MaxPaddingWaste"/>
    /// and <see cref="Processing.PaddingDescriptor.MaxRunElements"/>; <paramref name="run"/> is called once per run, in order of length.
    /// </summary>
    internal static void ForEachLengthGroup<TState>(BoundOperation operation, IReadOnlyList<InferenceCall> calls, TState state, Action<List<InferenceCall>, TState> run)
    {
        var padding = operation.Descriptor.Padding!;
        int input = operation.LengthInput;
        int axis = operation.InputPadAxes[input];
        var order = new (long Length, long Rows, int Index)[calls.Count];
        for (int k = 0; k < calls.Count; k++)
        {
            var shape = calls[k].Inputs[input].Shape;
            order[k] = (axis < shape.Length ? shape[axis] : 0, shape.Length > 0 ? shape[0] : 1, k);
        }

        Array.Sort(order, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Index.CompareTo(b.Index));
        var group = new List<InferenceCall>(calls.Count);
        long rows = 0;
        long real = 0;
        for (int k = 0; k < order.Length; k++)
        {
            var (length, itemRows, index) = order[k];
            if (group.Count > 0)
            {
                // Sorted ascending, so this item is the run's longest if it joins.
                long newRows = rows + itemRows;
                long newReal = real + (itemRows * length);
                bool fits = newRows * length <= (1 + padding.MaxPaddingWaste) * newReal && newRows * length <= padding.MaxRunElements;
                if (!fits)
                {
                    run(group, state);
                    group.Clear();
                    rows = 0;
                    real = 0;
                }
            }

            group.Add(calls[index]);
            rows += itemRows;
            real += itemRows * length;
        }

        if (group.Count > 0)
        {
            run(group, state);
        }
    }

    private static TensorBuffer Trim(TensorBuffer slice, long[] paddedShape, int axis, long rows, long trimmed, TensorBuffer provided)
    {
        long padded = paddedShape[axis];
        int inner = (int)Product(paddedShape, axis + 1, paddedShape.Length);
        int outer = checked((int)(rows * Product(paddedShape, 1, axis)));
        int block = checked((int)(trimmed * inner));
        int paddedBlock = checked((int)(padded * inner));
        var result = !provided.IsEmpty && provided.Length == outer * block ? provided : TensorElementTypes.Allocate(slice.ElementType, outer * block);
        for (int o = 0; o < outer; o++)
        {
            slice.Slice(o * paddedBlock, block).CopyTo(result.Slice(o * block, block));
        }

        return result;
    }

    private static bool SameMemory(TensorBuffer a, TensorBuffer b) =>
        a.TryGetArray(out var arrayA, out int startA) && b.TryGetArray(out var arrayB, out int startB) && ReferenceEquals(arrayA, arrayB) && startA == startB;

    private static long MaxLength(IReadOnlyList<InferenceCall> calls, int input, int axis)
    {
        long max = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            max = Math.Max(max, calls[k].Inputs[input].Shape[axis]);
        }

        return max;
    }

    private static long Product(long[] shape, int from, int to)
    {
        long product = 1;
        for (int d = from; d < to; d++)
        {
            product *= shape[d];
        }

        return product;
    }

    private static void Clear(TensorBuffer buffer)
    {
        if (buffer.Length > 0)
        {
            buffer.AsBytes().Clear();
        }
    }

    /// <summary>Records a variable-length call that ran on its own (no padding) in the padding metrics.</summary>
    internal static void RecordUnpadded(InferenceCall call)
    {
        int input = call.Operation.LengthInput;
        if (input >= 0 && BatchingMetrics.PaddingEnabled)
        {
            BatchingMetrics.RecordPadding(call.Operation.ModelName, call.Inputs[input].Buffer.Length, 0);
        }
    }

    /// <summary>Records a padded run's real and padding elements (of the length-defining input) in the padding metrics.</summary>
    internal static void RecordPadding(IReadOnlyList<InferenceCall> calls, InferenceCall stacked)
    {
        int input = stacked.Operation.LengthInput;
        if (input < 0 || !BatchingMetrics.PaddingEnabled)
        {
            return;
        }

        long real = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            real += calls[k].Inputs[input].Buffer.Length;
        }

        BatchingMetrics.RecordPadding(stacked.Operation.ModelName, real, stacked.Inputs[input].Buffer.Length - real);
    }
}
