using OrtElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace ModelKit.Onnx;

/// <summary>Maps element types between ModelKit and ONNX Runtime (both use ONNX's numbering).</summary>
internal static class OnnxTypes
{
    public static OrtElementType ToOrt(TensorElementType type) => (OrtElementType)(int)type;

    public static TensorElementType FromOrt(OrtElementType type) => (TensorElementType)(int)type;
}
