namespace ModelKit.Protocol;

/// <summary>Limits the decoders enforce on untrusted messages before they allocate anything.</summary>
public sealed class ProtocolLimits
{
    /// <summary>The defaults: 64 Mi elements per tensor, 1024 tensors per message, rank 32, JSON depth 64.</summary>
    public static ProtocolLimits Default { get; } = new();

    /// <summary>Most elements one tensor may hold (also bounded by what fits in one .NET array).</summary>
    public long MaxElementsPerTensor { get; init; } = 64L * 1024 * 1024;

    /// <summary>Most input (or output) tensors one message may carry.</summary>
    public int MaxTensors { get; init; } = 1024;

    /// <summary>Most dimensions one tensor may have.</summary>
    public int MaxRank { get; init; } = 32;

    /// <summary>Deepest JSON nesting accepted (nested <c>data</c> arrays count).</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>
    /// BYTES tensors, by name, whose elements are binary (an encoded image…) rather than UTF-8 text: they decode as
    /// <see cref="TensorElementType.Binary"/> tensors — binary-extension and gRPC elements kept as bytes (views, no copy), JSON
    /// elements base64-decoded — instead of as strict UTF-8. Null or empty: every BYTES element is UTF-8 text unless the tensor says
    /// <c>"content_type": "base64"</c> (MLServer's parameter). A server sets it per model from the signature's binary inputs; a
    /// client from the binary outputs.
    /// </summary>
    public IReadOnlySet<string>? BinaryBytesTensors { get; init; }

    /// <summary>Whether BYTES tensor <paramref name="name"/> carries binary elements (see <see cref="BinaryBytesTensors"/>).</summary>
    public bool IsBinaryBytes(string name) => BinaryBytesTensors is { Count: > 0 } set && set.Contains(name);
}
