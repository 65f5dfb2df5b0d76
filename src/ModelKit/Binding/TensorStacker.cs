namespace ModelKit.Binding;

/// <summary>Stacks several calls' inputs along dimension 0 into one call, and slices the outputs back. Used by batch methods and the batcher.</summary>
public static class TensorStacker
{
    /// <summary>Whether <paramref name="calls"/> can run as one: the operation allows stacking and every input agrees beyond dimension 0.</summary>
    public static bool CanStack(BoundOperation operation, IReadOnlyList<InferenceCall> calls)
    {
        if (!operation.CanStack || calls.Count == 0)
        {
            return false;
        }

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

                if (!shape.AsSpan(1).SequenceEqual(firstShape.AsSpan(1)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Copies every call's inputs into <paramref name="target"/>'s inputs, one after another along dimension 0.</summary>
    public static void Stack(IReadOnlyList<InferenceCall> calls, InferenceCall target)
    {
        long totalRows = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            totalRows += calls[k].Inputs[0].Shape[0];
        }

        for (int i = 0; i < target.Inputs.Length; i++)
        {
            var firstShape = calls[0].Inputs[i].Shape;
            long total = 0;
            for (int k = 0; k < calls.Count; k++)
            {
                total += calls[k].Inputs[i].Buffer.Length;
            }

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
                var source = calls[k].Inputs[i].Buffer;
                source.CopyTo(buffer.Slice(offset, source.Length));
                offset += source.Length;
            }

            var shape = (long[])firstShape.Clone();
            shape[0] = totalRows;
            target.Inputs[i] = new TensorValue(shape, buffer);
        }
    }

    /// <summary>Slices <paramref name="source"/>'s outputs back to each call, by the rows each call contributed.</summary>
    public static void Unstack(InferenceCall source, IReadOnlyList<InferenceCall> calls)
    {
        long totalRows = 0;
        for (int k = 0; k < calls.Count; k++)
        {
            totalRows += calls[k].Inputs[0].Shape[0];
        }

        for (int o = 0; o < source.Outputs.Length; o++)
        {
            var value = source.Outputs[o];
            if (value.Shape.Length == 0 || value.Shape[0] != totalRows || value.Buffer.Length % totalRows != 0)
            {
                throw new ModelExecutionException(source.Operation.ModelName,
                    $"output '{source.Operation.Outputs[o].Name}' has shape {TensorShape.Format(value.Shape)}, which cannot be split into the {totalRows} stacked rows.");
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
                if (call.OutputProvided[o])
                {
                    var destination = call.Outputs[o].Buffer;
                    if (destination.Length != length)
                    {
                        var bound = call.Operation.Outputs[o];
                        throw new TensorMismatchException(call.Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                            $"a destination of {length} elements", $"{destination.Length} elements");
                    }

                    slice.CopyTo(destination);
                    call.Outputs[o] = new TensorValue(shape, destination);
                }
                else
                {
                    call.Outputs[o] = new TensorValue(shape, slice);
                }

                offset += length;
            }
        }
    }
}
