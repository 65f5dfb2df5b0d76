namespace ModelKit.OnnxFormat.Internal;

/// <summary>Serializes the builder's model, graph, nodes, attributes, value infos and tensors as ONNX protobuf messages.</summary>
internal static class OnnxProtoWriter
{
    public static void WriteModel(ProtoWriter writer, OnnxGraphBuilder model)
    {
        writer.WriteInt64(OnnxFields.ModelIrVersion, model.IrVersion);
        if (!string.IsNullOrEmpty(model.ProducerName))
        {
            writer.WriteString(OnnxFields.ModelProducerName, model.ProducerName);
        }

        if (!string.IsNullOrEmpty(model.ProducerVersion))
        {
            writer.WriteString(OnnxFields.ModelProducerVersion, model.ProducerVersion!);
        }

        if (!string.IsNullOrEmpty(model.DocString))
        {
            writer.WriteString(OnnxFields.ModelDocString, model.DocString!);
        }

        var graph = new ProtoWriter(1024);
        WriteGraph(graph, model);
        writer.WriteMessage(OnnxFields.ModelGraph, graph);

        WriteOpset(writer, string.Empty, model.OpsetVersion);
        foreach (var opset in model.ExtraOpsets)
        {
            WriteOpset(writer, opset.Key, opset.Value);
        }

        foreach (var entry in model.Metadata)
        {
            var prop = new ProtoWriter(32);
            prop.WriteString(1, entry.Key);
            prop.WriteString(2, entry.Value);
            writer.WriteMessage(OnnxFields.ModelMetadataProps, prop);
        }
    }

    public static void WriteGraph(ProtoWriter writer, OnnxGraphBuilder graph)
    {
        foreach (var node in graph.Nodes)
        {
            var message = new ProtoWriter(64);
            WriteNode(message, node);
            writer.WriteMessage(OnnxFields.GraphNode, message);
        }

        writer.WriteString(OnnxFields.GraphName, graph.GraphName);
        foreach (var tensor in graph.Initializers)
        {
            var message = new ProtoWriter(64 + (tensor.Data?.Length ?? 0));
            WriteTensor(message, tensor, graph.InitializerEncoding);
            writer.WriteMessage(OnnxFields.GraphInitializer, message);
        }

        WriteValueInfos(writer, OnnxFields.GraphInput, graph.Inputs);
        WriteValueInfos(writer, OnnxFields.GraphOutput, graph.Outputs);
        WriteValueInfos(writer, OnnxFields.GraphValueInfo, graph.ValueInfos);
    }

    public static void WriteTensor(ProtoWriter writer, OnnxTensor tensor, OnnxTensorEncoding encoding)
    {
        writer.WritePackedVarints(OnnxFields.TensorDims, tensor.Dims);
        writer.WriteInt64(OnnxFields.TensorDataType, (long)tensor.DataType);
        if (tensor.Strings is { } strings)
        {
            foreach (var value in strings)
            {
                writer.WriteString(OnnxFields.TensorStringData, value ?? string.Empty);
            }
        }

        if (!string.IsNullOrEmpty(tensor.Name))
        {
            writer.WriteString(OnnxFields.TensorName, tensor.Name);
        }

        if (tensor.Data is { } data)
        {
            if (encoding == OnnxTensorEncoding.RawData)
            {
                writer.WriteBytes(OnnxFields.TensorRawData, data);
            }
            else
            {
                WriteTypedData(writer, tensor.DataType, data);
            }
        }
    }

    private static void WriteTypedData(ProtoWriter writer, OnnxDataType type, byte[] data)
    {
        switch (type)
        {
            case OnnxDataType.Float:
            case OnnxDataType.Complex64:
                writer.WritePackedFixed(OnnxFields.TensorFloatData, data);
                break;
            case OnnxDataType.Double:
            case OnnxDataType.Complex128:
                writer.WritePackedFixed(OnnxFields.TensorDoubleData, data);
                break;
            case OnnxDataType.Int64:
                writer.WritePackedVarints(OnnxFields.TensorInt64Data, Convert(data, 8, static (d, i) => BitConverter.ToInt64(d, i)));
                break;
            case OnnxDataType.UInt32:
                writer.WritePackedUVarints(OnnxFields.TensorUInt64Data, ConvertUnsigned(data, 4, static (d, i) => BitConverter.ToUInt32(d, i)));
                break;
            case OnnxDataType.UInt64:
                writer.WritePackedUVarints(OnnxFields.TensorUInt64Data, ConvertUnsigned(data, 8, static (d, i) => BitConverter.ToUInt64(d, i)));
                break;
            case OnnxDataType.Int32:
                writer.WritePackedVarints(OnnxFields.TensorInt32Data, Convert(data, 4, static (d, i) => BitConverter.ToInt32(d, i)));
                break;
            case OnnxDataType.Int16:
                writer.WritePackedVarints(OnnxFields.TensorInt32Data, Convert(data, 2, static (d, i) => BitConverter.ToInt16(d, i)));
                break;
            case OnnxDataType.UInt16:
            case OnnxDataType.Float16:
            case OnnxDataType.BFloat16:
                writer.WritePackedVarints(OnnxFields.TensorInt32Data, Convert(data, 2, static (d, i) => BitConverter.ToUInt16(d, i)));
                break;
            case OnnxDataType.Int8:
                writer.WritePackedVarints(OnnxFields.TensorInt32Data, Convert(data, 1, static (d, i) => (sbyte)d[i]));
                break;
            case OnnxDataType.UInt8:
            case OnnxDataType.Bool:
            case OnnxDataType.Float8E4M3FN:
            case OnnxDataType.Float8E4M3FNUZ:
            case OnnxDataType.Float8E5M2:
            case OnnxDataType.Float8E5M2FNUZ:
                writer.WritePackedVarints(OnnxFields.TensorInt32Data, Convert(data, 1, static (d, i) => d[i]));
                break;
            default:
                writer.WriteBytes(OnnxFields.TensorRawData, data);
                break;
        }
    }

    private static long[] Convert(byte[] data, int size, Func<byte[], int, long> read)
    {
        var bytes = LittleEndian(data, size);
        var values = new long[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes, i * size);
        }

        return values;
    }

    private static ulong[] ConvertUnsigned(byte[] data, int size, Func<byte[], int, ulong> read)
    {
        var bytes = LittleEndian(data, size);
        var values = new ulong[bytes.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read(bytes, i * size);
        }

        return values;
    }

    /// <summary>The elements in host order for BitConverter (the tensor keeps little-endian bytes).</summary>
    private static byte[] LittleEndian(byte[] data, int size)
    {
        if (BitConverter.IsLittleEndian || size == 1)
        {
            return data;
        }

        var copy = (byte[])data.Clone();
        for (int i = 0; i < copy.Length; i += size)
        {
            Array.Reverse(copy, i, size);
        }

        return copy;
    }

    private static void WriteOpset(ProtoWriter writer, string domain, long version)
    {
        var opset = new ProtoWriter(16);
        opset.WriteString(1, domain);
        opset.WriteInt64(2, version);
        writer.WriteMessage(OnnxFields.ModelOpsetImport, opset);
    }

    private static void WriteNode(ProtoWriter writer, OnnxNodeSpec node)
    {
        foreach (var input in node.Inputs)
        {
            writer.WriteString(OnnxFields.NodeInput, input ?? string.Empty);
        }

        foreach (var output in node.Outputs)
        {
            writer.WriteString(OnnxFields.NodeOutput, output ?? string.Empty);
        }

        writer.WriteString(OnnxFields.NodeName, node.Name);
        writer.WriteString(OnnxFields.NodeOpType, node.OpType);
        foreach (var attribute in node.Attributes)
        {
            var message = new ProtoWriter(32);
            WriteAttribute(message, attribute);
            writer.WriteMessage(OnnxFields.NodeAttribute, message);
        }

        if (!string.IsNullOrEmpty(node.Domain))
        {
            writer.WriteString(OnnxFields.NodeDomain, node.Domain!);
        }
    }

    private static void WriteAttribute(ProtoWriter writer, OnnxAttribute attribute)
    {
        writer.WriteString(OnnxFields.AttributeName, attribute.Name);
        switch (attribute.Type)
        {
            case OnnxAttributeType.Float:
                writer.WriteFloat(OnnxFields.AttributeF, attribute.FloatValue);
                break;
            case OnnxAttributeType.Int:
                writer.WriteInt64(OnnxFields.AttributeI, attribute.IntValue);
                break;
            case OnnxAttributeType.String:
                writer.WriteString(OnnxFields.AttributeS, attribute.StringValue!);
                break;
            case OnnxAttributeType.Tensor:
                var tensor = new ProtoWriter(64);
                WriteTensor(tensor, attribute.TensorValue!, OnnxTensorEncoding.RawData);
                writer.WriteMessage(OnnxFields.AttributeT, tensor);
                break;
            case OnnxAttributeType.Graph:
                var graph = new ProtoWriter(256);
                WriteGraph(graph, attribute.GraphValue!);
                writer.WriteMessage(OnnxFields.AttributeG, graph);
                break;
            case OnnxAttributeType.Floats:
                writer.WritePackedFixed(OnnxFields.AttributeFloats, OnnxTensor.ToBytes(attribute.FloatValues!));
                break;
            case OnnxAttributeType.Ints:
                writer.WritePackedVarints(OnnxFields.AttributeInts, attribute.IntValues!);
                break;
            case OnnxAttributeType.Strings:
                foreach (var value in attribute.StringValues!)
                {
                    writer.WriteString(OnnxFields.AttributeStrings, value ?? string.Empty);
                }

                break;
        }

        writer.WriteInt64(OnnxFields.AttributeType, (long)attribute.Type);
    }

    private static void WriteValueInfos(ProtoWriter writer, int field, IReadOnlyList<OnnxValueSpec> values)
    {
        foreach (var value in values)
        {
            var message = new ProtoWriter(64);
            WriteValueInfo(message, value);
            writer.WriteMessage(field, message);
        }
    }

    private static void WriteValueInfo(ProtoWriter writer, OnnxValueSpec value)
    {
        writer.WriteString(OnnxFields.ValueInfoName, value.Name);
        var tensorType = new ProtoWriter(32);
        tensorType.WriteInt64(OnnxFields.TensorTypeElemType, (long)value.Type);
        if (value.Shape is { } shape)
        {
            var shapeMessage = new ProtoWriter(32);
            for (int i = 0; i < shape.Length; i++)
            {
                var dim = new ProtoWriter(16);
                if (shape[i] >= 0)
                {
                    dim.WriteInt64(OnnxFields.DimValue, shape[i]);
                }
                else
                {
                    string? name = value.DimNames is { } names && i < names.Length ? names[i] : null;
                    name ??= i == 0 ? "N" : "d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (name.Length > 0)
                    {
                        dim.WriteString(OnnxFields.DimParam, name);
                    }
                }

                shapeMessage.WriteMessage(OnnxFields.ShapeDim, dim);
            }

            tensorType.WriteMessage(OnnxFields.TensorTypeShape, shapeMessage);
        }

        var type = new ProtoWriter(48);
        type.WriteMessage(OnnxFields.TypeTensorType, tensorType);
        writer.WriteMessage(OnnxFields.ValueInfoType, type);
    }
}
