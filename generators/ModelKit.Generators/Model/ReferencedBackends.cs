namespace ModelKit.Generators.Model
{
    /// <summary>Which backend packages the compilation references; the generated <c>AddBackends</c> registers each one present.</summary>
    /// <param name="Onnx">Whether <c>ModelKit.Onnx.OnnxRuntimeBackendProvider</c> exists.</param>
    /// <param name="Remote">Whether <c>ModelKit.Remote.RemoteBackendProvider</c> exists.</param>
    internal sealed record ReferencedBackends(bool Onnx, bool Remote)
    {
        public const string OnnxProviderMetadataName = "ModelKit.Onnx.OnnxRuntimeBackendProvider";
        public const string RemoteProviderMetadataName = "ModelKit.Remote.RemoteBackendProvider";
    }
}
