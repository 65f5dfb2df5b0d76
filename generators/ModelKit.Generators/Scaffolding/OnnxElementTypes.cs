namespace ModelKit.Generators.Scaffolding
{
    /// <summary>ONNX element type names (as in a signature sidecar) and their .NET tensor element types.</summary>
    internal static class OnnxElementTypes
    {
        /// <summary>
        /// The C# element type and <c>ModelKit.TensorElementType</c> member for ONNX type <paramref name="onnxName"/>;
        /// false for types with no .NET tensor type (complex, float8…).
        /// </summary>
        public static bool TryGet(string onnxName, out string csharpType, out string member)
        {
            switch (onnxName)
            {
                case "float": csharpType = "float"; member = "Float"; return true;
                case "double": csharpType = "double"; member = "Double"; return true;
                case "int8": csharpType = "sbyte"; member = "Int8"; return true;
                case "uint8": csharpType = "byte"; member = "UInt8"; return true;
                case "int16": csharpType = "short"; member = "Int16"; return true;
                case "uint16": csharpType = "ushort"; member = "UInt16"; return true;
                case "int32": csharpType = "int"; member = "Int32"; return true;
                case "uint32": csharpType = "uint"; member = "UInt32"; return true;
                case "int64": csharpType = "long"; member = "Int64"; return true;
                case "uint64": csharpType = "ulong"; member = "UInt64"; return true;
                case "bool": csharpType = "bool"; member = "Bool"; return true;
                case "string": csharpType = "string"; member = "String"; return true;
                case "float16": csharpType = "global::System.Half"; member = "Float16"; return true;
                case "bfloat16": csharpType = "global::ModelKit.BFloat16"; member = "BFloat16"; return true;
                default: csharpType = string.Empty; member = string.Empty; return false;
            }
        }

        /// <summary>The C# element type to suggest for ONNX type <paramref name="onnxName"/> in a message.</summary>
        public static string Suggest(string onnxName) =>
            TryGet(onnxName, out string csharpType, out _) ? csharpType.Replace("global::", string.Empty) : "(none: " + onnxName + " has no .NET tensor type)";
    }
}
