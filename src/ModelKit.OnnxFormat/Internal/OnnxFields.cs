namespace ModelKit.OnnxFormat.Internal;

/// <summary>Field numbers of the onnx.proto messages this library reads and writes.</summary>
internal static class OnnxFields
{
    public const int ModelIrVersion = 1;
    public const int ModelProducerName = 2;
    public const int ModelProducerVersion = 3;
    public const int ModelDomain = 4;
    public const int ModelModelVersion = 5;
    public const int ModelDocString = 6;
    public const int ModelGraph = 7;
    public const int ModelOpsetImport = 8;
    public const int ModelMetadataProps = 14;

    public const int GraphNode = 1;
    public const int GraphName = 2;
    public const int GraphInitializer = 5;
    public const int GraphDocString = 10;
    public const int GraphInput = 11;
    public const int GraphOutput = 12;
    public const int GraphValueInfo = 13;
    public const int GraphSparseInitializer = 15;

    public const int NodeInput = 1;
    public const int NodeOutput = 2;
    public const int NodeName = 3;
    public const int NodeOpType = 4;
    public const int NodeAttribute = 5;
    public const int NodeDomain = 7;

    public const int AttributeName = 1;
    public const int AttributeF = 2;
    public const int AttributeI = 3;
    public const int AttributeS = 4;
    public const int AttributeT = 5;
    public const int AttributeG = 6;
    public const int AttributeFloats = 7;
    public const int AttributeInts = 8;
    public const int AttributeStrings = 9;
    public const int AttributeType = 20;

    public const int ValueInfoName = 1;
    public const int ValueInfoType = 2;
    public const int ValueInfoDocString = 3;

    public const int TypeTensorType = 1;
    public const int TypeSequenceType = 4;
    public const int TypeMapType = 5;
    public const int TypeDenotation = 6;
    public const int TypeSparseTensorType = 8;
    public const int TypeOptionalType = 9;

    public const int TensorTypeElemType = 1;
    public const int TensorTypeShape = 2;

    public const int ShapeDim = 1;
    public const int DimValue = 1;
    public const int DimParam = 2;

    public const int TensorDims = 1;
    public const int TensorDataType = 2;
    public const int TensorFloatData = 4;
    public const int TensorInt32Data = 5;
    public const int TensorStringData = 6;
    public const int TensorInt64Data = 7;
    public const int TensorName = 8;
    public const int TensorRawData = 9;
    public const int TensorDoubleData = 10;
    public const int TensorUInt64Data = 11;
    public const int TensorExternalData = 13;
    public const int TensorDataLocation = 14;

    public const int SparseTensorValues = 1;

    public const int OpsetDomain = 1;
    public const int OpsetVersion = 2;
}
