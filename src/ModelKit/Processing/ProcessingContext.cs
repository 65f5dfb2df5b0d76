using System.Buffers;
using ModelKit.Binding;

namespace ModelKit.Processing;

/// <summary>
/// One item's way through its processing steps and the model: the pre-processing step writes the model inputs here, the
/// post-processing step reads the model outputs (and the inputs) here. Buffers rented through <see cref="Rent{T}"/> go back to
/// the pool when the item completes, so a steady-state call allocates only what the domain result needs.
/// </summary>
/// <remarks>
/// A context is kept with a pooled <see cref="InferenceCall"/> and reused; steps must not keep it, or anything it hands out,
/// beyond the call.
/// </remarks>
public sealed class ProcessingContext
{
    private readonly List<(Array Array, Action<Array> Return)> _rented = [];
    private InferenceCall _call;

    internal ProcessingContext(InferenceCall call)
    {
        _call = call;
    }

    /// <summary>The contract operation, e.g. <c>ISentenceEncoder.Embed</c>.</summary>
    public string Operation => _call.Operation.Descriptor.DisplayName;

    /// <summary>The model's name.</summary>
    public string ModelName => _call.Operation.ModelName;

    /// <summary>Whatever the pre-processing step wants the post-processing step to see for this item (e.g. the token count). Cleared after the call.</summary>
    public object? State { get; set; }

    /// <summary>A number the pre-processing step reports for this item (e.g. tokens after truncation); 0 unless set.</summary>
    public int ItemCount { get; set; }

    /// <summary>Sets the model input <paramref name="name"/> (declared in the pre-processing step's <see cref="IPreprocessor{TInput}.Tensors"/>).</summary>
    public void SetInput(string name, TensorValue value) => _call.SetInput(IndexOf(_call.Operation.InputNames, name, "input"), value);

    /// <summary>Sets the model input <paramref name="name"/> over memory (no copy) with the given shape.</summary>
    public void SetInput<T>(string name, ReadOnlyMemory<T> data, long[] shape) => SetInput(name, new TensorValue(shape, TensorBuffer.FromMemory(data)));

    /// <summary>The model input <paramref name="name"/> as the pre-processing step set it (this item's own, unpadded).</summary>
    public TensorValue GetInput(string name) => _call.Inputs[IndexOf(_call.Operation.InputNames, name, "input")];

    /// <summary>The model output <paramref name="name"/> for this item (rows of this item only; see <see cref="IPostprocessor{TOutput}"/> about padding).</summary>
    public TensorValue GetOutput(string name) => _call.Outputs[IndexOf(_call.Operation.OutputNames, name, "output")];

    /// <summary>Rents a buffer of at least <paramref name="length"/> elements, returned to the pool when the item completes; the memory is exactly <paramref name="length"/> long.</summary>
    public Memory<T> Rent<T>(int length)
    {
        var array = ArrayPool<T>.Shared.Rent(length);
        _rented.Add((array, Returner<T>.Return));
        return array.AsMemory(0, length);
    }

    internal void Attach(InferenceCall call) => _call = call;

    internal void Release()
    {
        foreach (var (array, returner) in _rented)
        {
            returner(array);
        }

        _rented.Clear();
        State = null;
        ItemCount = 0;
    }

    internal static ProcessingContext For(InferenceCall call)
    {
        var context = call.Processing ??= new ProcessingContext(call);
        context.Attach(call);
        return context;
    }

    private int IndexOf(IReadOnlyList<string> names, string name, string kind)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new ProcessingException(Operation, $"a processing step used {kind} '{name}', which the operation does not declare (it has {string.Join(", ", names)}). Declare it in the step's Tensors.");
    }

    private static class Returner<T>
    {
        public static readonly Action<Array> Return = static array => ArrayPool<T>.Shared.Return((T[])array);
    }
}
