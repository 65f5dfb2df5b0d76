using System.Text.Json;
using ModelKit.Protocol.Memory;

namespace ModelKit.Protocol.Rest;

/// <summary>
/// Writes REST inference messages: JSON with binary tensors (and every FP16/BF16 tensor) as <c>binary_data_size</c> segments
/// that <see cref="EncodedMessage"/> sends after the JSON header straight from the tensors' memory.
/// </summary>
internal static class RestMessageEncoder
{
    private static readonly ParameterValue Base64 = ParameterValue.FromString(ProtocolNames.Base64ContentType);

    [ThreadStatic]
    private static Utf8JsonWriter? CachedWriter;

    public static EncodedMessage EncodeRequest(InferenceRequest request)
    {
        var json = new PooledBufferWriter(512);
        var segments = new List<ReadOnlyMemory<byte>>();
        try
        {
            var writer = RentWriter(json);
            writer.WriteStartObject();
            if (request.Id is { } id)
            {
                writer.WriteString("id"u8, id);
            }

            RestParameters.WriteWithFlag(writer, request.Parameters, ProtocolNames.BinaryDataOutput, request.BinaryDataOutput);
            writer.WritePropertyName("inputs"u8);
            writer.WriteStartArray();
            foreach (var input in request.Inputs)
            {
                WriteTensor(writer, input, segments);
            }

            writer.WriteEndArray();
            if (request.Outputs is { Count: > 0 } outputs)
            {
                writer.WritePropertyName("outputs"u8);
                writer.WriteStartArray();
                foreach (var output in outputs)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name"u8, output.Name);
                    RestParameters.WriteWithFlag(writer, output.Parameters, ProtocolNames.BinaryData, output.BinaryData);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.Flush();
            return BinaryDataFraming.Finish(json, segments);
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    public static EncodedMessage EncodeResponse(InferenceResponse response)
    {
        var json = new PooledBufferWriter(512);
        var segments = new List<ReadOnlyMemory<byte>>();
        try
        {
            var writer = RentWriter(json);
            writer.WriteStartObject();
            writer.WriteString("model_name"u8, response.ModelName);
            if (!string.IsNullOrEmpty(response.ModelVersion))
            {
                writer.WriteString("model_version"u8, response.ModelVersion);
            }

            if (response.Id is { } id)
            {
                writer.WriteString("id"u8, id);
            }

            RestParameters.Write(writer, response.Parameters, null, null);
            writer.WritePropertyName("outputs"u8);
            writer.WriteStartArray();
            foreach (var output in response.Outputs)
            {
                WriteTensor(writer, output, segments);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();
            return BinaryDataFraming.Finish(json, segments);
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    private static Utf8JsonWriter RentWriter(PooledBufferWriter json)
    {
        var writer = CachedWriter;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(json, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            CachedWriter = writer;
        }
        else
        {
            writer.Reset(json);
        }

        return writer;
    }

    private static void WriteTensor(Utf8JsonWriter writer, InferTensor tensor, List<ReadOnlyMemory<byte>> segments)
    {
        bool binary = tensor.Binary || InferenceDataTypes.RequiresBinary(tensor.Value.ElementType);
        writer.WriteStartObject();
        writer.WriteString("name"u8, tensor.Name);
        writer.WriteString("datatype"u8, tensor.Datatype);
        writer.WritePropertyName("shape"u8);
        writer.WriteStartArray();
        foreach (long dim in tensor.Shape)
        {
            writer.WriteNumberValue(dim);
        }

        writer.WriteEndArray();
        if (binary)
        {
            long size;
            if (tensor.Value.ElementType == TensorElementType.Binary)
            {
                // Length-prefixed frames whose large elements are the caller's own memory: an image is not copied before the wire.
                size = TensorBytes.AddBinaryFrames(tensor.Value, segments);
            }
            else
            {
                var bytes = TensorBytes.GetWireBytes(tensor.Value);
                segments.Add(bytes);
                size = bytes.Length;
            }

            RestParameters.Write(writer, tensor.Parameters, ProtocolNames.BinaryDataSize, ParameterValue.FromInt64(size));
        }
        else
        {
            // Binary elements travel as base64 text, said the way MLServer says it.
            if (tensor.Value.ElementType == TensorElementType.Binary)
            {
                RestParameters.Write(writer, tensor.Parameters, ProtocolNames.ContentType, Base64);
            }
            else
            {
                RestParameters.Write(writer, tensor.Parameters, null, null);
            }

            writer.WritePropertyName("data"u8);
            JsonTensorData.Write(writer, tensor.Value);
        }

        writer.WriteEndObject();
    }
}
