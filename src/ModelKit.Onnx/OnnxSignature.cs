using Microsoft.ML.OnnxRuntime;

namespace ModelKit.Onnx;

/// <summary>Reads a <see cref="ModelSignature"/> from an ONNX Runtime session's metadata.</summary>
internal static class OnnxSignature
{
    public static ModelSignature Read(InferenceSession session) =>
        new(Read(session.InputNames, session.InputMetadata), Read(session.OutputNames, session.OutputMetadata));

    private static TensorInfo[] Read(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var infos = new TensorInfo[names.Count];
        for (int i = 0; i < infos.Length; i++)
        {
            var node = metadata[names[i]];
            var type = node.IsTensor ? OnnxTypes.FromOrt(node.ElementDataType) : TensorElementType.Undefined;
            var shape = node.IsTensor ? Array.ConvertAll(node.Dimensions, static d => (long)d) : [];
            string?[] symbolic = node.IsTensor && node.SymbolicDimensions is { } dims
                ? Array.ConvertAll(dims, static d => string.IsNullOrEmpty(d) ? null : d)
                : [];
            infos[i] = new TensorInfo(names[i], type, shape, symbolic);
        }

        return infos;
    }
}
