using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using ModelKit.Binding;

namespace ModelKit.Onnx;

/// <summary>
/// A <see cref="PreparedCall"/> bound once on ONNX Runtime: the caller's input and output buffers pinned for its lifetime, one
/// <see cref="OrtValue"/> over each, all bound to its own <see cref="OrtIoBinding"/>, so a run is a single <c>RunWithBinding</c>.
/// </summary>
internal sealed class OnnxPreparedRun : PreparedRun
{
    private readonly InferenceSession _session;
    private readonly string _modelName;
    private readonly string _displayName;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly List<OrtValue> _values = [];
    private readonly List<MemoryHandle> _handles = [];

    public unsafe OnnxPreparedRun(InferenceSession session, BoundOperation operation, InferenceCall call, long[][] outputShapes)
    {
        _session = session;
        _modelName = operation.ModelName;
        _displayName = operation.Descriptor.DisplayName;
        _binding = session.CreateIoBinding();
        try
        {
            var cpu = OrtMemoryInfo.DefaultInstance;
            for (int i = 0; i < call.Inputs.Length; i++)
            {
                var value = call.Inputs[i];
                _binding.BindInput(operation.InputNames[i], Bind(cpu, value.Buffer, value.Shape));
            }

            for (int o = 0; o < call.Outputs.Length; o++)
            {
                _binding.BindOutput(operation.OutputNames[o], Bind(cpu, call.Outputs[o].Buffer, outputShapes[o]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public override void Run(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((RunOptions)s!).Terminate = true, _runOptions)
            : default;
        try
        {
            _session.RunWithBinding(_runOptions, _binding);
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Run of {_displayName} was canceled.", ex, cancellationToken);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelExecutionException(_modelName, $"ONNX Runtime failed running {_displayName}: {ex.Message}", ex);
        }
        finally
        {
            if (cancellationToken.CanBeCanceled)
            {
                registration.Dispose();
                _runOptions.Terminate = false;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        _binding.Dispose();
        foreach (var value in _values)
        {
            value.Dispose();
        }

        foreach (var handle in _handles)
        {
            handle.Dispose();
        }

        _values.Clear();
        _handles.Clear();
        _runOptions.Dispose();
    }

    private unsafe OrtValue Bind(OrtMemoryInfo cpu, TensorBuffer buffer, long[] shape)
    {
        var handle = buffer.Pin();
        _handles.Add(handle);
        nint pointer = (nint)handle.Pointer;
        if (pointer == 0)
        {
            pointer = 1; // an empty tensor: ONNX Runtime still needs a valid address
        }

        var value = OrtValue.CreateTensorValueWithData(cpu, OnnxTypes.ToOrt(buffer.ElementType), shape, pointer, buffer.ByteLength);
        _values.Add(value);
        return value;
    }
}
