using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace ModelKit.Onnx;

/// <summary>How an output is bound in a call's <see cref="OrtIoBinding"/>.</summary>
internal enum OutputBinding
{
    None,
    Destination,
    Staging,
    Device,
}

/// <summary>
/// The native state a pooled <see cref="Binding.InferenceCall"/> keeps between runs: its run options, its I/O binding,
/// and the values bound to it, reused while the caller's memory stays at the same address.
/// </summary>
internal sealed class OnnxCallState : IDisposable
{
    public OnnxCallState(InferenceSession session, int inputs, int outputs)
    {
        Binding = session.CreateIoBinding();
        Pinned = new nint[inputs + outputs];
        InputHandles = new MemoryHandle[inputs];
        InputValues = new OrtValue?[inputs];
        InputPointers = new nint[inputs];
        InputBytes = new long[inputs];
        InputShapes = new long[]?[inputs];
        OutputHandles = new MemoryHandle[outputs];
        OutputValues = new OrtValue?[outputs];
        OutputPointers = new nint[outputs];
        OutputShapes = new long[]?[outputs];
        OutputKinds = new OutputBinding[outputs];
        Staging = new TensorBuffer[outputs];
        StagingHandles = new MemoryHandle[outputs];
        InputStaging = new byte[]?[inputs];
    }

    public RunOptions RunOptions { get; } = new();

    /// <summary>Addresses of the inputs, then the caller-owned outputs, pinned by <c>fixed</c> frames for this run (0: not pinned that way).</summary>
    public nint[] Pinned { get; }

    public OrtIoBinding Binding { get; }

    public MemoryHandle[] InputHandles { get; }

    public OrtValue?[] InputValues { get; }

    public nint[] InputPointers { get; }

    public long[] InputBytes { get; }

    public long[]?[] InputShapes { get; }

    public MemoryHandle[] OutputHandles { get; }

    public OrtValue?[] OutputValues { get; }

    public nint[] OutputPointers { get; }

    public long[]?[] OutputShapes { get; }

    public OutputBinding[] OutputKinds { get; }

    /// <summary>Pinned buffers owned by the state that outputs of known shape are written into.</summary>
    public TensorBuffer[] Staging { get; }

    public MemoryHandle[] StagingHandles { get; }

    /// <summary>
    /// Pinned (POH) copies of small inputs that arrive at a new address on every call (a new array per call): copying them here
    /// keeps the bound value, where rebinding would create a native value and allocate each call. Null until an input moves.
    /// </summary>
    public byte[]?[] InputStaging { get; }

    /// <summary>Native values that live for one run only (string tensors).</summary>
    public List<OrtValue> Transient { get; } = [];

    public void Dispose()
    {
        foreach (var value in InputValues)
        {
            value?.Dispose();
        }

        foreach (var value in OutputValues)
        {
            value?.Dispose();
        }

        foreach (var handle in StagingHandles)
        {
            handle.Dispose();
        }

        foreach (var value in Transient)
        {
            value.Dispose();
        }

        Binding.Dispose();
        RunOptions.Dispose();
    }
}
