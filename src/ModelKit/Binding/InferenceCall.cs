using System.ComponentModel;

namespace ModelKit.Binding;

/// <summary>
/// One run of an operation: the input tensors a client sets, the output tensors a backend fills.
/// Rented from an <see cref="OperationRunner"/> and returned after use, so a steady-state call allocates nothing.
/// </summary>
public sealed class InferenceCall
{
    private readonly long[]?[] _inputShapeCache;
    private readonly Array?[] _scalarSlots;

    internal InferenceCall(BoundOperation operation)
    {
        Operation = operation;
        Inputs = new TensorValue[operation.Inputs.Count];
        Outputs = new TensorValue[operation.Outputs.Count];
        OutputProvided = new bool[operation.Outputs.Count];
        _inputShapeCache = new long[]?[operation.Inputs.Count];
        _scalarSlots = new Array?[operation.Inputs.Count];
    }

    /// <summary>The bound operation.</summary>
    public BoundOperation Operation { get; }

    /// <summary>Input tensors, in the operation's input order.</summary>
    public TensorValue[] Inputs { get; }

    /// <summary>Output tensors, in the operation's output order. Before a run, entries with <see cref="OutputProvided"/> set are caller-owned destinations.</summary>
    public TensorValue[] Outputs { get; }

    /// <summary>Which outputs the caller supplied memory for.</summary>
    public bool[] OutputProvided { get; }

    /// <summary>State a backend keeps with the call between runs (bindings, native values).</summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public object? BackendState { get; set; }

    /// <summary>State the dynamic batcher keeps with the call (its waiter).</summary>
    internal object? BatchState { get; set; }

    /// <summary>The processing context kept with the call when processing steps run around it (reused with the call).</summary>
    internal Processing.ProcessingContext? Processing { get; set; }

    /// <summary>Reusable buffers when this call carries stacked inputs (<see cref="TensorStacker.Stack"/>).</summary>
    internal TensorBuffer[]? StackScratch { get; set; }

    /// <summary>Sets input <paramref name="index"/> from an array (no copy).</summary>
    public void SetInput<T>(int index, T[]? data)
    {
        if (data is null)
        {
            throw Missing(index);
        }

        SetResolved(index, TensorBuffer.FromArray(data));
    }

    /// <summary>Sets input <paramref name="index"/> from memory (no copy).</summary>
    public void SetInput<T>(int index, ReadOnlyMemory<T> data) => SetResolved(index, TensorBuffer.FromMemory(data));

    /// <summary>Sets input <paramref name="index"/> from memory (no copy).</summary>
    public void SetInput<T>(int index, Memory<T> data) => SetResolved(index, TensorBuffer.FromMemory((ReadOnlyMemory<T>)data));

    /// <summary>Sets input <paramref name="index"/> from a shaped tensor (no copy).</summary>
    public void SetInput<T>(int index, ModelTensor<T>? tensor)
    {
        if (tensor is null)
        {
            throw Missing(index);
        }

        var bound = Operation.Inputs[index];
        CheckType<T>(bound);
        if (!TensorShape.Matches(bound.Shape, tensor.Shape))
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"shape {TensorShape.Format(bound.Shape)}", $"shape {TensorShape.Format(tensor.Shape)}");
        }

        Inputs[index] = new TensorValue(tensor.ShapeArray, TensorBuffer.FromMemory((ReadOnlyMemory<T>)tensor.Data));
    }

    /// <summary>Sets input <paramref name="index"/> to a scalar (rank 0, or a single element of the declared shape).</summary>
    public void SetScalar<T>(int index, T value)
    {
        var bound = Operation.Inputs[index];
        CheckType<T>(bound);
        if (_scalarSlots[index] is not T[] slot)
        {
            slot = new T[1];
            _scalarSlots[index] = slot;
        }

        slot[0] = value;
        SetResolved(index, TensorBuffer.FromArray(slot));
    }

    /// <summary>Sets input <paramref name="index"/> to a tensor with its own shape (the untyped path).</summary>
    public void SetInput(int index, TensorValue value)
    {
        var bound = Operation.Inputs[index];
        if (!value.HasValue)
        {
            throw Missing(index);
        }

        if (value.ElementType != bound.ElementType)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                TensorElementTypes.OnnxName(bound.ElementType), TensorElementTypes.OnnxName(value.ElementType));
        }

        long count = TensorShape.ElementCount(value.Shape);
        if (count != value.Buffer.Length)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"{count} elements for shape {TensorShape.Format(value.Shape)}", $"{value.Buffer.Length} elements");
        }

        if (!TensorShape.Matches(bound.Shape, value.Shape))
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"shape {TensorShape.Format(bound.Shape)}", $"shape {TensorShape.Format(value.Shape)}");
        }

        Inputs[index] = value;
    }

    /// <summary>Supplies caller-owned memory that output <paramref name="index"/> is written into.</summary>
    public void SetOutput<T>(int index, Memory<T> destination)
    {
        var bound = Operation.Outputs[index];
        CheckType<T>(bound);
        long expected = TensorShape.ElementCount(bound.Shape);
        if (expected >= 0 && expected != destination.Length)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"{expected} elements (shape {TensorShape.Format(bound.Shape)})", $"a destination of {destination.Length} elements");
        }

        Outputs[index] = new TensorValue(bound.Shape, TensorBuffer.FromMemory((ReadOnlyMemory<T>)destination));
        OutputProvided[index] = true;
    }

    /// <summary>Supplies a caller-owned array that output <paramref name="index"/> is written into.</summary>
    public void SetOutput<T>(int index, T[]? destination)
    {
        if (destination is null)
        {
            var bound = Operation.Outputs[index];
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name, "a pre-allocated destination", "null");
        }

        SetOutput(index, destination.AsMemory());
    }

    /// <summary>
    /// Supplies caller-owned memory of the output's element type that output <paramref name="index"/> is written into, for callers
    /// that hold untyped buffers (the sequence batcher's reused state and output buffers). <paramref name="shape"/>, when given,
    /// is the shape the caller knows the run produces (all dimensions fixed; its element count the destination's length): a
    /// backend that cannot infer the output's shape before the run binds the destination with it instead of allocating the output.
    /// </summary>
    internal void SetOutput(int index, TensorBuffer destination, long[]? shape = null)
    {
        var bound = Operation.Outputs[index];
        if (destination.ElementType != bound.ElementType)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                TensorElementTypes.OnnxName(bound.ElementType), TensorElementTypes.OnnxName(destination.ElementType));
        }

        if (shape is not null && TensorShape.ElementCount(shape) != destination.Length)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"a destination of {TensorShape.ElementCount(shape)} elements (shape {TensorShape.Format(shape)})", $"{destination.Length} elements");
        }

        Outputs[index] = new TensorValue(shape ?? bound.Shape, destination);
        OutputProvided[index] = true;
    }

    /// <summary>Output <paramref name="index"/> as an array: the backend's own array when it fits exactly, else a copy.</summary>
    public T[] GetArray<T>(int index)
    {
        var buffer = Outputs[index].Buffer;
        return buffer.TryGetWholeArray<T>() ?? buffer.AsSpan<T>().ToArray();
    }

    /// <summary>Output <paramref name="index"/> as memory (no copy).</summary>
    public Memory<T> GetMemory<T>(int index) => Outputs[index].Buffer.AsMemory<T>();

    /// <summary>Output <paramref name="index"/> as a shaped tensor (no copy).</summary>
    public ModelTensor<T> GetTensor<T>(int index)
    {
        var value = Outputs[index];
        return new ModelTensor<T>(value.Buffer.AsMemory<T>(), value.Shape);
    }

    /// <summary>Output <paramref name="index"/> as a scalar (its only element).</summary>
    public T GetScalar<T>(int index)
    {
        var value = Outputs[index];
        if (value.Buffer.Length != 1)
        {
            var bound = Operation.Outputs[index];
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                "a single element", $"shape {TensorShape.Format(value.Shape)} ({value.Buffer.Length} elements)");
        }

        return value.Buffer.AsSpan<T>()[0];
    }

    /// <summary>Checks that every input is set; called by runners before native code runs.</summary>
    internal void EnsureInputs()
    {
        for (int i = 0; i < Inputs.Length; i++)
        {
            if (!Inputs[i].HasValue)
            {
                throw Missing(i);
            }
        }
    }

    /// <summary>Clears references to caller memory; keeps caches and backend state.</summary>
    internal void Reset()
    {
        Array.Clear(Inputs);
        Array.Clear(Outputs);
        Array.Clear(OutputProvided);
    }

    private void SetResolved(int index, TensorBuffer buffer)
    {
        var bound = Operation.Inputs[index];
        if (buffer.ElementType != bound.ElementType)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                TensorElementTypes.OnnxName(bound.ElementType), TensorElementTypes.OnnxName(buffer.ElementType));
        }

        long[]? shape = TensorShape.Resolve(bound.Shape, buffer.Length, ref _inputShapeCache[index]);
        if (shape is null)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                $"shape {TensorShape.Format(bound.Shape)}{ExpectedCount(bound.Shape)}", $"{buffer.Length} elements");
        }

        Inputs[index] = new TensorValue(shape, buffer);
    }

    private static string ExpectedCount(long[] shape)
    {
        long count = TensorShape.ElementCount(shape);
        return count >= 0 ? $" ({count} elements)" : string.Empty;
    }

    private void CheckType<T>(BoundTensor bound)
    {
        var type = TensorElementTypes.Of<T>();
        if (type != bound.ElementType)
        {
            throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                TensorElementTypes.OnnxName(bound.ElementType), TensorElementTypes.OnnxName(type));
        }
    }

    private TensorMismatchException Missing(int index)
    {
        var bound = Operation.Inputs[index];
        return new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
            $"a {TensorElementTypes.OnnxName(bound.ElementType)} tensor of shape {TensorShape.Format(bound.Shape)}", "null");
    }
}
