using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelKit.Binding;

namespace ModelKit.Onnx;

/// <summary>
/// Runs one bound operation on an ONNX Runtime session through an <see cref="OrtIoBinding"/> per pooled call:
/// inputs are <see cref="OrtValue"/>s over the caller's pinned memory (no copy), outputs land in caller memory or in
/// pinned buffers bound once, and each call's <see cref="RunOptions"/> carries its cancellation.
/// </summary>
internal sealed class OnnxOperationRunner : OperationRunner
{
    private readonly InferenceSession _session;
    /// <summary>Inputs up to this size that move between calls are copied into a bound buffer instead of being rebound.</summary>
    private const long StagingLimitBytes = 64 * 1024;

    private readonly OrtMemoryInfo _cpu = OrtMemoryInfo.DefaultInstance;
    private readonly (int Input, int Dim)[]?[] _outputDimSources;
    private readonly long[][] _outputTemplates;

    public OnnxOperationRunner(BoundOperation operation, InferenceSession session, ModelSignature signature)
        : base(operation, "onnxruntime")
    {
        _session = session;
        _outputDimSources = new (int, int)[]?[operation.Outputs.Count];
        _outputTemplates = new long[operation.Outputs.Count][];
        for (int o = 0; o < operation.Outputs.Count; o++)
        {
            // A stackable operation's dimension 0 is the batch: it follows input 0's rows even where the contract fixes it
            // (a [1,10] contract output is [32,10] when 32 calls run stacked).
            var template = (long[])operation.Outputs[o].Shape.Clone();
            if (operation.CanStack && template.Length > 0)
            {
                template[0] = -1;
            }

            _outputTemplates[o] = template;
            _outputDimSources[o] = MapOutputDims(operation, o, signature, template);
        }
    }

    protected override void RunCore(InferenceCall call, CancellationToken cancellationToken)
    {
        if (call.BackendState is not OnnxCallState state)
        {
            state = new OnnxCallState(_session, call.Inputs.Length, call.Outputs.Length);
            call.BackendState = state;
        }

        if (PinAndRun(call, state, 0, cancellationToken))
        {
            RunCore(call, cancellationToken);
        }
    }

    /// <summary>
    /// Binds a prepared call once when every input is a numeric tensor and every output is a caller-owned destination of a shape
    /// known before the run; otherwise its runs take the ordinary path.
    /// </summary>
    protected override PreparedRun? PrepareCore(InferenceCall call)
    {
        foreach (var input in call.Inputs)
        {
            if (input.ElementType == TensorElementType.String)
            {
                return null;
            }
        }

        var shapes = new long[call.Outputs.Length][];
        for (int o = 0; o < call.Outputs.Length; o++)
        {
            var bound = Operation.Outputs[o];
            if (!call.OutputProvided[o] || bound.ElementType == TensorElementType.String || ResolveOutputShape(call, o, cached: null) is not { } shape)
            {
                return null;
            }

            long needed = TensorShape.ElementCount(shape);
            if (needed != call.Outputs[o].Buffer.Length)
            {
                throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                    $"a destination of {needed} elements (shape {TensorShape.Format(shape)})", $"{call.Outputs[o].Buffer.Length} elements");
            }

            shapes[o] = shape;
        }

        return new OnnxPreparedRun(_session, Operation, call, shapes);
    }

    /// <summary>
    /// Pins every array-backed input and caller-owned output with nested <c>fixed</c> frames (no GCHandles), then runs.
    /// Buffers that are not plain arrays are pinned through <see cref="TensorBuffer.Pin"/> while binding.
    /// </summary>
    private unsafe bool PinAndRun(InferenceCall call, OnnxCallState state, int k, CancellationToken cancellationToken)
    {
        int inputs = call.Inputs.Length;
        if (k == state.Pinned.Length)
        {
            return RunBound(call, state, cancellationToken);
        }

        var buffer = k < inputs ? call.Inputs[k].Buffer : call.OutputProvided[k - inputs] ? call.Outputs[k - inputs].Buffer : default;
        if (buffer.TryGetArray(out var array, out int start))
        {
            fixed (byte* data = &MemoryMarshal.GetArrayDataReference(array))
            {
                state.Pinned[k] = (nint)(data + ((long)start * TensorElementTypes.SizeOf(buffer.ElementType)));
                return PinAndRun(call, state, k + 1, cancellationToken);
            }
        }

        state.Pinned[k] = 0;
        return PinAndRun(call, state, k + 1, cancellationToken);
    }

    /// <summary>Binds and runs a call whose buffers are pinned; true when it must run again with run-time output shapes.</summary>
    private bool RunBound(InferenceCall call, OnnxCallState state, CancellationToken cancellationToken)
    {
        var registration = default(CancellationTokenRegistration);
        bool retry = false;
        try
        {
            BindInputs(call, state);
            BindOutputs(call, state);
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static s => ((RunOptions)s!).Terminate = true, state.RunOptions);
            }

            _session.RunWithBinding(state.RunOptions, state.Binding);
            registration.Dispose();
            registration = default;
            CollectOutputs(call, state);
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"Run of {Operation.Descriptor.DisplayName} was canceled.", ex, cancellationToken);
        }
        catch (OnnxRuntimeException) when (ForgetInferredOutputShapes())
        {
            // An output's shape was inferred from symbolic dimension names that the model does not honour: from now on
            // ONNX Runtime allocates that output and its shape is read after the run. Run this call again that way.
            retry = true;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelExecutionException(Operation.ModelName, $"ONNX Runtime failed running {Operation.Descriptor.DisplayName}: {ex.Message}", ex);
        }
        finally
        {
            registration.Dispose();
            if (state.RunOptions.Terminate)
            {
                state.RunOptions.Terminate = false;
            }

            for (int i = 0; i < state.InputHandles.Length; i++)
            {
                state.InputHandles[i].Dispose();
                state.InputHandles[i] = default;
            }

            for (int o = 0; o < state.OutputHandles.Length; o++)
            {
                state.OutputHandles[o].Dispose();
                state.OutputHandles[o] = default;
            }

            if (state.Transient.Count > 0)
            {
                foreach (var value in state.Transient)
                {
                    value.Dispose();
                }

                state.Transient.Clear();
            }
        }

        return retry;
    }

    /// <summary>Stops pre-allocating outputs whose shapes were inferred from symbolic names; true when there were any.</summary>
    private bool ForgetInferredOutputShapes()
    {
        bool any = false;
        for (int o = 0; o < _outputDimSources.Length; o++)
        {
            if (_outputDimSources[o] is { Length: > 0 })
            {
                Volatile.Write(ref _outputDimSources[o], null);
                any = true;
            }
        }

        return any;
    }

    private unsafe void BindInputs(InferenceCall call, OnnxCallState state)
    {
        for (int i = 0; i < call.Inputs.Length; i++)
        {
            var value = call.Inputs[i];
            string name = Operation.InputNames[i];
            if (value.ElementType == TensorElementType.String)
            {
                var strings = CreateStringTensor(value);
                state.Transient.Add(strings);
                state.Binding.BindInput(name, strings);
                state.InputPointers[i] = 0;
                state.InputShapes[i] = null;
                continue;
            }

            nint pointer = state.Pinned[i];
            if (pointer == 0)
            {
                var handle = value.Buffer.Pin();
                state.InputHandles[i] = handle;
                pointer = (nint)handle.Pointer;
            }
            long bytes = value.Buffer.ByteLength;
            if (pointer == 0)
            {
                // An empty tensor: ORT still needs a valid (non-null) address.
                pointer = 1;
            }

            if (state.InputValues[i] is not null && state.InputPointers[i] == pointer && state.InputBytes[i] == bytes && TensorShape.SequenceEqual(state.InputShapes[i], value.Shape))
            {
                continue;
            }

            // The input moved (a new array per call, the ordinary path): a small one is copied into a pinned buffer that stays
            // bound, which costs less than a new native value and allocates nothing. The first call binds caller memory directly,
            // so a caller that reuses one buffer never pays for a copy.
            if (state.InputValues[i] is not null && bytes <= StagingLimitBytes && bytes > 0)
            {
                var staging = state.InputStaging[i];
                if (staging is null || staging.Length != bytes)
                {
                    staging = GC.AllocateUninitializedArray<byte>((int)bytes, pinned: true);
                    state.InputStaging[i] = staging;
                }

                new ReadOnlySpan<byte>((void*)pointer, (int)bytes).CopyTo(staging);
                pointer = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(staging));
                if (state.InputPointers[i] == pointer && state.InputBytes[i] == bytes && TensorShape.SequenceEqual(state.InputShapes[i], value.Shape))
                {
                    continue;
                }
            }

            state.InputValues[i]?.Dispose();
            state.InputValues[i] = null;
            var ortValue = OrtValue.CreateTensorValueWithData(_cpu, OnnxTypes.ToOrt(value.ElementType), value.Shape, pointer, bytes);
            state.InputValues[i] = ortValue;
            state.Binding.BindInput(name, ortValue);
            state.InputPointers[i] = pointer;
            state.InputBytes[i] = bytes;
            state.InputShapes[i] = value.Shape;
        }
    }

    private unsafe void BindOutputs(InferenceCall call, OnnxCallState state)
    {
        for (int o = 0; o < call.Outputs.Length; o++)
        {
            var bound = Operation.Outputs[o];
            string name = Operation.OutputNames[o];
            long[]? shape = bound.ElementType == TensorElementType.String ? null : ResolveOutputShape(call, o, state.OutputShapes[o]);
            if (shape is null && call.OutputProvided[o] && bound.ElementType != TensorElementType.String && IsFixed(call.Outputs[o].Shape))
            {
                // The caller knows the run's shape (a destination supplied with it, e.g. the sequence batcher's state buffers).
                shape = call.Outputs[o].Shape;
            }

            if (shape is null)
            {
                // Shape only known after the run: ONNX Runtime allocates, and the result is copied out.
                state.OutputValues[o]?.Dispose();
                state.OutputValues[o] = null;
                state.Binding.BindOutputToDevice(name, _cpu);
                state.OutputKinds[o] = OutputBinding.Device;
                continue;
            }

            TensorBuffer target;
            OutputBinding kind;
            if (call.OutputProvided[o])
            {
                target = call.Outputs[o].Buffer;
                long needed = TensorShape.ElementCount(shape);
                if (needed != target.Length)
                {
                    throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                        $"a destination of {needed} elements (shape {TensorShape.Format(shape)})", $"{target.Length} elements");
                }

                nint pointer = state.Pinned[call.Inputs.Length + o];
                if (pointer == 0)
                {
                    var handle = target.Pin();
                    state.OutputHandles[o] = handle;
                    pointer = (nint)handle.Pointer;
                }

                kind = OutputBinding.Destination;
                BindOutputValue(state, o, name, pointer, target, shape, kind);
            }
            else
            {
                int length = checked((int)TensorShape.ElementCount(shape));
                if (state.Staging[o].IsEmpty || state.Staging[o].Length != length)
                {
                    state.StagingHandles[o].Dispose();
                    state.Staging[o] = TensorElementTypes.Allocate(bound.ElementType, length);
                    state.StagingHandles[o] = state.Staging[o].Pin();
                }

                target = state.Staging[o];
                kind = OutputBinding.Staging;
                BindOutputValue(state, o, name, (nint)state.StagingHandles[o].Pointer, target, shape, kind);
            }
        }
    }

    private void BindOutputValue(OnnxCallState state, int o, string name, nint pointer, TensorBuffer target, long[] shape, OutputBinding kind)
    {
        if (pointer == 0)
        {
            pointer = 1;
        }

        if (state.OutputKinds[o] == kind && state.OutputValues[o] is not null && state.OutputPointers[o] == pointer && TensorShape.SequenceEqual(state.OutputShapes[o], shape))
        {
            return;
        }

        state.OutputValues[o]?.Dispose();
        state.OutputValues[o] = null;
        var ortValue = OrtValue.CreateTensorValueWithData(_cpu, OnnxTypes.ToOrt(target.ElementType), shape, pointer, target.ByteLength);
        state.OutputValues[o] = ortValue;
        state.Binding.BindOutput(name, ortValue);
        state.OutputPointers[o] = pointer;
        state.OutputShapes[o] = shape;
        state.OutputKinds[o] = kind;
    }

    private void CollectOutputs(InferenceCall call, OnnxCallState state)
    {
        IDisposableReadOnlyCollection<OrtValue>? deviceValues = null;
        try
        {
            for (int o = 0; o < call.Outputs.Length; o++)
            {
                switch (state.OutputKinds[o])
                {
                    case OutputBinding.Destination:
                        call.Outputs[o] = new TensorValue(state.OutputShapes[o]!, call.Outputs[o].Buffer);
                        break;
                    case OutputBinding.Staging:
                        var copy = TensorElementTypes.Allocate(state.Staging[o].ElementType, state.Staging[o].Length);
                        state.Staging[o].CopyTo(copy);
                        call.Outputs[o] = new TensorValue(state.OutputShapes[o]!, copy);
                        break;
                    default:
                        deviceValues ??= state.Binding.GetOutputValues();
                        var value = deviceValues.ElementAt(o);
                        call.Outputs[o] = CopyOut(call, o, value);
                        break;
                }
            }
        }
        finally
        {
            deviceValues?.Dispose();
        }
    }

    private TensorValue CopyOut(InferenceCall call, int o, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        int count = checked((int)info.ElementCount);
        var bound = Operation.Outputs[o];
        var type = OnnxTypes.FromOrt(info.ElementDataType);
        TensorBuffer target;
        if (call.OutputProvided[o])
        {
            target = call.Outputs[o].Buffer;
            if (target.Length != count || target.ElementType != type)
            {
                throw new TensorMismatchException(Operation.Descriptor.DisplayName, bound.Descriptor.Member, bound.Name,
                    $"a destination of {count} {TensorElementTypes.OnnxName(type)} elements (shape {TensorShape.Format(shape)})", $"{target.Length} {TensorElementTypes.OnnxName(target.ElementType)} elements");
            }
        }
        else
        {
            target = TensorElementTypes.Allocate(type, count);
        }

        if (type == TensorElementType.String)
        {
            var strings = target.AsSpan<string>();
            for (int i = 0; i < count; i++)
            {
                strings[i] = value.GetStringElement(i);
            }
        }
        else
        {
            value.GetTensorMutableRawData().CopyTo(target.AsBytes());
        }

        return new TensorValue(shape, target);
    }

    private static bool IsFixed(long[] shape)
    {
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                return false;
            }
        }

        return true;
    }

    private long[]? ResolveOutputShape(InferenceCall call, int o, long[]? cached)
    {
        var template = _outputTemplates[o];
        var sources = _outputDimSources[o];
        if (sources is null)
        {
            return null;
        }

        if (sources.Length == 0)
        {
            return template;
        }

        bool reuse = cached is not null && cached.Length == template.Length;
        for (int s = 0; s < sources.Length && reuse; s++)
        {
            var (input, dim) = sources[s];
            reuse = cached![IndexOfDynamic(template, s)] == call.Inputs[input].Shape[dim];
        }

        if (reuse)
        {
            return cached;
        }

        var shape = (long[])template.Clone();
        for (int s = 0; s < sources.Length; s++)
        {
            var (input, dim) = sources[s];
            var inputShape = call.Inputs[input].Shape;
            if (dim >= inputShape.Length)
            {
                return null;
            }

            shape[IndexOfDynamic(template, s)] = inputShape[dim];
        }

        return shape;
    }

    private static int IndexOfDynamic(long[] template, int nth)
    {
        for (int d = 0, seen = 0; d < template.Length; d++)
        {
            if (template[d] < 0 && seen++ == nth)
            {
                return d;
            }
        }

        return -1;
    }

    /// <summary>
    /// For each dynamic dimension of an output, the input dimension with the same symbolic name;
    /// null when one has no such source (the shape is then only known after the run).
    /// </summary>
    private static (int Input, int Dim)[]? MapOutputDims(BoundOperation operation, int o, ModelSignature signature, long[] template)
    {
        var bound = operation.Outputs[o];
        var names = signature.Outputs[bound.ModelIndex].DimensionNames;
        var sources = new List<(int, int)>();
        for (int d = 0; d < template.Length; d++)
        {
            if (template[d] >= 0)
            {
                continue;
            }

            if (d == 0 && operation.CanStack)
            {
                sources.Add((0, 0));
                continue;
            }

            string? symbol = names is not null && d < names.Count ? names[d] : null;
            if (symbol is null)
            {
                return null;
            }

            (int, int)? found = null;
            for (int i = 0; i < operation.Inputs.Count && found is null; i++)
            {
                var inputNames = signature.Inputs[operation.Inputs[i].ModelIndex].DimensionNames;
                for (int k = 0; inputNames is not null && k < inputNames.Count; k++)
                {
                    if (string.Equals(inputNames[k], symbol, StringComparison.Ordinal))
                    {
                        found = (i, k);
                        break;
                    }
                }
            }

            if (found is null)
            {
                return null;
            }

            sources.Add(found.Value);
        }

        return sources.ToArray();
    }

    private static OrtValue CreateStringTensor(TensorValue value)
    {
        var strings = value.Buffer.AsSpan<string>();
        var ortValue = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, value.Shape);
        try
        {
            for (int i = 0; i < strings.Length; i++)
            {
                ortValue.StringTensorSetElementAt((strings[i] ?? string.Empty).AsSpan(), i);
            }

            return ortValue;
        }
        catch
        {
            ortValue.Dispose();
            throw;
        }
    }
}
