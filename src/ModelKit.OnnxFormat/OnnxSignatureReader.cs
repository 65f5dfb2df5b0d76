using System.Text;
using ModelKit.OnnxFormat.Internal;

namespace ModelKit.OnnxFormat;

/// <summary>
/// Reads a model's signature (graph inputs and outputs with element types and symbolic dimensions, producer, opsets)
/// from <c>ModelProto</c> bytes without reading the weights: initializer payloads and nodes are skipped by seeking,
/// so a large model costs milliseconds.
/// </summary>
public static class OnnxSignatureReader
{
    /// <summary>Reads the signature of the model file at <paramref name="path"/>.</summary>
    public static OnnxModelSignature Read(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new ArgumentException("A path is required.", nameof(path));
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess);
        return Read(stream);
    }

    /// <summary>Reads the signature from model bytes.</summary>
    public static OnnxModelSignature Read(byte[] model)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        using var stream = new MemoryStream(model, writable: false);
        return Read(stream);
    }

    /// <summary>Reads the signature from a stream positioned at the start of a <c>ModelProto</c> (read to its end; seekable streams skip weights without reading them).</summary>
    public static OnnxModelSignature Read(Stream stream)
    {
        if (stream is null)
        {
            throw new ArgumentNullException(nameof(stream));
        }

        try
        {
            return ReadModel(new ProtoStreamReader(stream));
        }
        catch (OnnxFormatException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException or DecoderFallbackException)
        {
            throw new OnnxFormatException($"Not a valid ONNX model: {ex.Message}", ex);
        }
    }

    private static OnnxModelSignature ReadModel(ProtoStreamReader reader)
    {
        long irVersion = 0;
        long modelVersion = 0;
        string? producerName = null;
        string? producerVersion = null;
        string? domain = null;
        string? docString = null;
        GraphParts? graph = null;
        var opsets = new List<OnnxOpsetImport>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawField = false;
        const long limit = long.MaxValue;
        while (reader.TryReadTag(limit, out int field, out int wire))
        {
            sawField = true;
            switch (field)
            {
                case OnnxFields.ModelIrVersion when wire == ProtoReader.WireVarint:
                    irVersion = (long)reader.ReadVarint();
                    break;
                case OnnxFields.ModelModelVersion when wire == ProtoReader.WireVarint:
                    modelVersion = (long)reader.ReadVarint();
                    break;
                case OnnxFields.ModelProducerName when wire == ProtoReader.WireLengthDelimited:
                    producerName = Utf8(reader.ReadLengthDelimitedBytes(limit));
                    break;
                case OnnxFields.ModelProducerVersion when wire == ProtoReader.WireLengthDelimited:
                    producerVersion = Utf8(reader.ReadLengthDelimitedBytes(limit));
                    break;
                case OnnxFields.ModelDomain when wire == ProtoReader.WireLengthDelimited:
                    domain = Utf8(reader.ReadLengthDelimitedBytes(limit));
                    break;
                case OnnxFields.ModelDocString when wire == ProtoReader.WireLengthDelimited:
                    docString = Utf8(reader.ReadLengthDelimitedBytes(limit));
                    break;
                case OnnxFields.ModelGraph when wire == ProtoReader.WireLengthDelimited:
                    graph = ReadGraph(reader, reader.ReadLengthPrefix(limit));
                    break;
                case OnnxFields.ModelOpsetImport when wire == ProtoReader.WireLengthDelimited:
                    opsets.Add(ReadOpset(new ProtoReader(reader.ReadLengthDelimitedBytes(limit))));
                    break;
                case OnnxFields.ModelMetadataProps when wire == ProtoReader.WireLengthDelimited:
                    var (key, value) = ReadStringPair(new ProtoReader(reader.ReadLengthDelimitedBytes(limit)));
                    metadata[key] = value;
                    break;
                default:
                    reader.SkipField(wire, limit);
                    break;
            }
        }

        if (!sawField || graph is null)
        {
            throw new OnnxFormatException("Not an ONNX model: no graph found.");
        }

        var inputs = graph.Inputs.Where(i => !graph.Initializers.Contains(i.Name)).ToArray();
        return new OnnxModelSignature(irVersion, producerName, producerVersion, domain, modelVersion, docString, graph.Name, opsets,
            inputs, graph.Outputs, graph.InitializerCount, metadata);
    }

    private static GraphParts ReadGraph(ProtoStreamReader reader, long end)
    {
        var graph = new GraphParts();
        while (reader.TryReadTag(end, out int field, out int wire))
        {
            switch (field)
            {
                case OnnxFields.GraphName when wire == ProtoReader.WireLengthDelimited:
                    graph.Name = Utf8(reader.ReadLengthDelimitedBytes(end));
                    break;
                case OnnxFields.GraphInput when wire == ProtoReader.WireLengthDelimited:
                    graph.Inputs.Add(ReadValueInfo(new ProtoReader(reader.ReadLengthDelimitedBytes(end))));
                    break;
                case OnnxFields.GraphOutput when wire == ProtoReader.WireLengthDelimited:
                    graph.Outputs.Add(ReadValueInfo(new ProtoReader(reader.ReadLengthDelimitedBytes(end))));
                    break;
                case OnnxFields.GraphInitializer when wire == ProtoReader.WireLengthDelimited:
                    graph.InitializerCount++;
                    AddName(graph, ReadTensorName(reader, reader.ReadLengthPrefix(end)));
                    break;
                case OnnxFields.GraphSparseInitializer when wire == ProtoReader.WireLengthDelimited:
                    graph.InitializerCount++;
                    AddName(graph, ReadSparseTensorName(reader, reader.ReadLengthPrefix(end)));
                    break;
                default:
                    // Nodes, value_info, doc strings…: skipped without being read.
                    reader.SkipField(wire, end);
                    break;
            }
        }

        reader.SkipTo(end);
        return graph;
    }

    private static void AddName(GraphParts graph, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            graph.Initializers.Add(name!);
        }
    }

    /// <summary>Reads a TensorProto's name, skipping its payload by seeking.</summary>
    private static string? ReadTensorName(ProtoStreamReader reader, long end)
    {
        string? name = null;
        while (reader.TryReadTag(end, out int field, out int wire))
        {
            if (field == OnnxFields.TensorName && wire == ProtoReader.WireLengthDelimited)
            {
                name = Utf8(reader.ReadLengthDelimitedBytes(end));
            }
            else
            {
                reader.SkipField(wire, end);
            }
        }

        reader.SkipTo(end);
        return name;
    }

    private static string? ReadSparseTensorName(ProtoStreamReader reader, long end)
    {
        string? name = null;
        while (reader.TryReadTag(end, out int field, out int wire))
        {
            if (field == OnnxFields.SparseTensorValues && wire == ProtoReader.WireLengthDelimited)
            {
                name = ReadTensorName(reader, reader.ReadLengthPrefix(end));
            }
            else
            {
                reader.SkipField(wire, end);
            }
        }

        reader.SkipTo(end);
        return name;
    }

    private static OnnxOpsetImport ReadOpset(ProtoReader reader)
    {
        string domain = string.Empty;
        long version = 0;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == OnnxFields.OpsetDomain && wire == ProtoReader.WireLengthDelimited)
            {
                domain = reader.ReadString();
            }
            else if (field == OnnxFields.OpsetVersion && wire == ProtoReader.WireVarint)
            {
                version = reader.ReadInt64();
            }
            else
            {
                reader.SkipField(wire);
            }
        }

        return new OnnxOpsetImport(domain, version);
    }

    private static (string Key, string Value) ReadStringPair(ProtoReader reader)
    {
        string key = string.Empty;
        string value = string.Empty;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == 1 && wire == ProtoReader.WireLengthDelimited)
            {
                key = reader.ReadString();
            }
            else if (field == 2 && wire == ProtoReader.WireLengthDelimited)
            {
                value = reader.ReadString();
            }
            else
            {
                reader.SkipField(wire);
            }
        }

        return (key, value);
    }

    private static OnnxValueInfo ReadValueInfo(ProtoReader reader)
    {
        string name = string.Empty;
        string? doc = null;
        var type = TypeParts.Unknown;
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case OnnxFields.ValueInfoName when wire == ProtoReader.WireLengthDelimited:
                    name = reader.ReadString();
                    break;
                case OnnxFields.ValueInfoType when wire == ProtoReader.WireLengthDelimited:
                    type = ReadType(reader.ReadMessage());
                    break;
                case OnnxFields.ValueInfoDocString when wire == ProtoReader.WireLengthDelimited:
                    doc = reader.ReadString();
                    break;
                default:
                    reader.SkipField(wire);
                    break;
            }
        }

        return new OnnxValueInfo(name, type.Kind, type.ElementType, type.Shape, type.DimensionNames, type.Text, doc);
    }

    private static TypeParts ReadType(ProtoReader reader)
    {
        var result = TypeParts.Unknown;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (wire != ProtoReader.WireLengthDelimited)
            {
                reader.SkipField(wire);
                continue;
            }

            switch (field)
            {
                case OnnxFields.TypeTensorType:
                    result = ReadTensorType(reader.ReadMessage(), OnnxValueKind.Tensor);
                    break;
                case OnnxFields.TypeSparseTensorType:
                    result = ReadTensorType(reader.ReadMessage(), OnnxValueKind.SparseTensor);
                    break;
                case OnnxFields.TypeSequenceType:
                    var sequenceElement = ReadWrapped(reader.ReadMessage());
                    result = new TypeParts(OnnxValueKind.Sequence, OnnxDataType.Undefined, null, null, $"seq({sequenceElement.Text})");
                    break;
                case OnnxFields.TypeOptionalType:
                    var optionalElement = ReadWrapped(reader.ReadMessage());
                    result = new TypeParts(OnnxValueKind.Optional, OnnxDataType.Undefined, null, null, $"optional({optionalElement.Text})");
                    break;
                case OnnxFields.TypeMapType:
                    result = ReadMap(reader.ReadMessage());
                    break;
                default:
                    reader.SkipField(wire);
                    break;
            }
        }

        return result;
    }

    private static TypeParts ReadWrapped(ProtoReader reader)
    {
        var element = TypeParts.Unknown;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == 1 && wire == ProtoReader.WireLengthDelimited)
            {
                element = ReadType(reader.ReadMessage());
            }
            else
            {
                reader.SkipField(wire);
            }
        }

        return element;
    }

    private static TypeParts ReadMap(ProtoReader reader)
    {
        var key = OnnxDataType.Undefined;
        var value = TypeParts.Unknown;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == 1 && wire == ProtoReader.WireVarint)
            {
                key = (OnnxDataType)reader.ReadInt64();
            }
            else if (field == 2 && wire == ProtoReader.WireLengthDelimited)
            {
                value = ReadType(reader.ReadMessage());
            }
            else
            {
                reader.SkipField(wire);
            }
        }

        return new TypeParts(OnnxValueKind.Map, OnnxDataType.Undefined, null, null, $"map({OnnxDataTypes.Name(key)},{value.Text})");
    }

    private static TypeParts ReadTensorType(ProtoReader reader, OnnxValueKind kind)
    {
        var elementType = OnnxDataType.Undefined;
        long[]? shape = null;
        string?[]? names = null;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == OnnxFields.TensorTypeElemType && wire == ProtoReader.WireVarint)
            {
                elementType = (OnnxDataType)reader.ReadInt64();
            }
            else if (field == OnnxFields.TensorTypeShape && wire == ProtoReader.WireLengthDelimited)
            {
                (shape, names) = ReadShape(reader.ReadMessage());
            }
            else
            {
                reader.SkipField(wire);
            }
        }

        string text = kind == OnnxValueKind.SparseTensor ? $"sparse_tensor({OnnxDataTypes.Name(elementType)})" : $"tensor({OnnxDataTypes.Name(elementType)})";
        return new TypeParts(kind, elementType, shape, names, text);
    }

    private static (long[] Shape, string?[] Names) ReadShape(ProtoReader reader)
    {
        var dims = new List<long>();
        var names = new List<string?>();
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field != OnnxFields.ShapeDim || wire != ProtoReader.WireLengthDelimited)
            {
                reader.SkipField(wire);
                continue;
            }

            var dim = reader.ReadMessage();
            long value = -1;
            string? param = null;
            while (dim.TryReadTag(out int dimField, out int dimWire))
            {
                if (dimField == OnnxFields.DimValue && dimWire == ProtoReader.WireVarint)
                {
                    value = dim.ReadInt64();
                    param = null;
                }
                else if (dimField == OnnxFields.DimParam && dimWire == ProtoReader.WireLengthDelimited)
                {
                    string text = dim.ReadString();
                    param = text.Length == 0 ? null : text;
                    value = -1;
                }
                else
                {
                    dim.SkipField(dimWire);
                }
            }

            dims.Add(value < 0 ? -1 : value);
            names.Add(value < 0 ? param : null);
        }

        return (dims.ToArray(), names.ToArray());
    }

    private static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private sealed class GraphParts
    {
        public string? Name { get; set; }

        public List<OnnxValueInfo> Inputs { get; } = [];

        public List<OnnxValueInfo> Outputs { get; } = [];

        public HashSet<string> Initializers { get; } = new(StringComparer.Ordinal);

        public int InitializerCount { get; set; }
    }

    private sealed class TypeParts(OnnxValueKind kind, OnnxDataType elementType, long[]? shape, string?[]? dimensionNames, string text)
    {
        public static readonly TypeParts Unknown = new(OnnxValueKind.Unknown, OnnxDataType.Undefined, null, null, "unknown");

        public OnnxValueKind Kind { get; } = kind;

        public OnnxDataType ElementType { get; } = elementType;

        public long[]? Shape { get; } = shape;

        public string?[]? DimensionNames { get; } = dimensionNames;

        public string Text { get; } = text;
    }
}
