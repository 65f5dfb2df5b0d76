using System.Text;
using ModelKit.Protocol;
using ModelKit.Protocol.Grpc;
using ModelKit.Protocol.Memory;
using ModelKit.Protocol.Rest;

namespace ModelKit.Server.Tests;

/// <summary>ModelKit.Protocol's codecs on their own: datatypes, JSON, binary framing, views, parameters, limits, gRPC messages.</summary>
public sealed class ProtocolCodecTests
{
    public static TheoryData<TensorElementType> ElementTypes()
    {
        var data = new TheoryData<TensorElementType>();
        // Binary elements decode as binary only where the model says so (metadata or limits): their own tests below.
        foreach (var type in Enum.GetValues<TensorElementType>().Where(static t => t is not (TensorElementType.Undefined or TensorElementType.Binary)))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Datatypes_map_both_ways(TensorElementType type)
    {
        string datatype = InferenceDataTypes.FromElementType(type);
        Assert.Contains(datatype, InferenceDataTypes.All);
        Assert.True(InferenceDataTypes.TryGetElementType(datatype, out var back));
        // Binary elements are BYTES on the wire too; what tells them from text is the model's metadata (content_type base64).
        Assert.Equal(type, back);
        Assert.Equal(InferenceDataTypes.Bytes, InferenceDataTypes.FromElementType(TensorElementType.Binary));
        Assert.False(InferenceDataTypes.TryGetElementType(datatype.ToLowerInvariant(), out _));
    }

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Requests_round_trip_as_json_and_binary(TensorElementType type)
    {
        foreach (bool binary in new[] { false, true })
        {
            var value = DatatypeTests.Sample(type);
            var request = new InferenceRequest { Id = "r", BinaryDataOutput = binary, Parameters = new() { ["n"] = 3L, ["f"] = 0.5, ["s"] = "text", ["b"] = true } };
            request.Inputs.Add(new InferTensor("in", value) { Binary = binary, Parameters = new() { ["p"] = "q" } });
            request.Outputs = [new InferRequestedOutput("out", binaryData: !binary)];
            using var encoded = RestInferenceCodec.EncodeRequest(request);
            bool expectBinary = binary || InferenceDataTypes.RequiresBinary(type);
            Assert.Equal(expectBinary, encoded.HasBinaryData);
            if (expectBinary)
            {
                Assert.Equal(0, encoded.InferenceHeaderContentLength!.Value % 8);
            }

            var decoded = RestInferenceCodec.DecodeRequest(encoded.ToArray(), encoded.InferenceHeaderContentLength);
            Assert.Equal("r", decoded.Id);
            Assert.Equal(binary, decoded.BinaryDataOutput);
            Assert.Equal(3L, decoded.Parameters!["n"].TryGetInt64(out long n) ? n : -1);
            Assert.Equal("text", decoded.Parameters["s"].AsString());
            Assert.True(decoded.Parameters["b"].TryGetBool(out bool b) && b);
            var input = Assert.Single(decoded.Inputs);
            Assert.Equal(expectBinary, input.Binary);
            Assert.Equal("q", input.Parameters!["p"].AsString());
            Assert.False(input.Parameters.ContainsKey(ProtocolNames.BinaryDataSize));
            Assert.Equal(value.Shape, input.Shape);
            DatatypeTests.AssertSameElements(value, input.Value);
            Assert.Equal(!binary, decoded.Outputs!.Single().BinaryData);
            Assert.Equal(!binary, decoded.WantsBinaryOutput("out"));
            Assert.Equal(binary, decoded.WantsBinaryOutput("other"));
        }
    }

    [Fact]
    public void Binary_tensors_are_views_over_the_body()
    {
        var request = new InferenceRequest();
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { 1f, 2f, 3f }, 3)) { Binary = true });
        using var encoded = RestInferenceCodec.EncodeRequest(request);
        byte[] body = encoded.ToArray();
        var decoded = RestInferenceCodec.DecodeRequest(body, encoded.InferenceHeaderContentLength);
        Assert.Null(decoded.Inputs[0].Value.Buffer.TryGetWholeArray<float>());

        // Writing the body changes the tensor: no copy was made.
        BitConverter.TryWriteBytes(body.AsSpan(encoded.InferenceHeaderContentLength!.Value), 42f);
        Assert.Equal(42f, decoded.Inputs[0].Value.Buffer.AsSpan<float>()[0]);

        // A view pins and unpins like any tensor memory.
        using (var handle = decoded.Inputs[0].Value.Buffer.Pin())
        {
            unsafe
            {
                Assert.Equal(42f, *(float*)handle.Pointer);
            }
        }
    }

    [Fact]
    public void Misaligned_binary_data_is_copied_once_and_still_correct()
    {
        var header = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"a","shape":[1],"datatype":"UINT8","parameters":{"binary_data_size":1}},{"name":"b","shape":[2],"datatype":"FP64","parameters":{"binary_data_size":16}}]}""");
        var body = new byte[header.Length + 17];
        header.CopyTo(body, 0);
        body[header.Length] = 9;
        BitConverter.TryWriteBytes(body.AsSpan(header.Length + 1), Math.PI);
        BitConverter.TryWriteBytes(body.AsSpan(header.Length + 9), -1.5);

        var decoded = RestInferenceCodec.DecodeRequest(body, header.Length);

        Assert.Equal([9], decoded.Inputs[0].Value.Buffer.AsSpan<byte>().ToArray());
        Assert.Equal([Math.PI, -1.5], decoded.Inputs[1].Value.Buffer.AsSpan<double>().ToArray());
    }

    [Fact]
    public void Json_data_may_be_nested_scalar_or_non_finite()
    {
        var nested = RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP64","data":[[1,"NaN"],["Infinity","-Infinity"]]}]}"""), null);
        var values = nested.Inputs[0].Value.Buffer.AsSpan<double>().ToArray();
        Assert.Equal(1, values[0]);
        Assert.True(double.IsNaN(values[1]));
        Assert.Equal(double.PositiveInfinity, values[2]);
        Assert.Equal(double.NegativeInfinity, values[3]);

        var scalar = RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes("""{"inputs":[{"name":"x","shape":[],"datatype":"INT64","data":7}]}"""), null);
        Assert.Equal([7L], scalar.Inputs[0].Value.Buffer.AsSpan<long>().ToArray());

        // And non-finite floats are written back as those strings.
        var response = new InferenceResponse { ModelName = "m" };
        response.Outputs.Add(new InferTensor("y", TensorValue.Create(new[] { float.NaN, float.PositiveInfinity, 1.25f }, 3)));
        using var encoded = RestInferenceCodec.EncodeResponse(response);
        Assert.Contains("\"data\":[\"NaN\",\"Infinity\",1.25]", Encoding.UTF8.GetString(encoded.Json.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_are_enforced_before_allocation()
    {
        var limits = new ProtocolLimits { MaxTensors = 2, MaxRank = 3, MaxElementsPerTensor = 10 };
        var tooMany = """{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]},{"name":"b","shape":[1],"datatype":"FP32","data":[1]},{"name":"c","shape":[1],"datatype":"FP32","data":[1]}]}""";
        Assert.Equal(ProtocolErrorKind.LimitExceeded, Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes(tooMany), null, limits)).Kind);
        var deep = """{"inputs":[{"name":"a","shape":[1,1,1,1],"datatype":"FP32","data":[1]}]}""";
        Assert.Equal(ProtocolErrorKind.InvalidShape, Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes(deep), null, limits)).Kind);
        var large = """{"inputs":[{"name":"a","shape":[11],"datatype":"FP32","data":[1]}]}""";
        Assert.Equal(ProtocolErrorKind.LimitExceeded, Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes(large), null, limits)).Kind);
        var overflow = """{"inputs":[{"name":"a","shape":[4294967296,4294967296,4294967296],"datatype":"FP32","data":[1]}]}""";
        Assert.Equal(ProtocolErrorKind.LimitExceeded, Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(Encoding.UTF8.GetBytes(overflow), null)).Kind);
    }

    [Fact]
    public void Responses_decode_on_the_client_side_with_mixed_binary_and_json_outputs()
    {
        var response = new InferenceResponse { ModelName = "m", ModelVersion = "2", Id = "abc" };
        response.Outputs.Add(new InferTensor("a", TensorValue.Create(new[] { "x", "yz" }, 2)) { Binary = true });
        response.Outputs.Add(new InferTensor("b", TensorValue.Create(new[] { 1, 2 }, 2)));
        response.Outputs.Add(new InferTensor("c", TensorValue.Create(new[] { (BFloat16)1.5f }, 1)));
        using var encoded = RestInferenceCodec.EncodeResponse(response);
        Assert.Equal(2, encoded.BinarySegments.Count);

        var decoded = RestInferenceCodec.DecodeResponse(encoded.ToArray(), encoded.InferenceHeaderContentLength);

        Assert.Equal(("m", "2", "abc"), (decoded.ModelName, decoded.ModelVersion, decoded.Id));
        Assert.Equal(["x", "yz"], decoded.FindOutput("a")!.Value.Buffer.AsSpan<string>().ToArray());
        Assert.False(decoded.FindOutput("b")!.Binary);
        Assert.Equal([1, 2], decoded.FindOutput("b")!.Value.Buffer.AsSpan<int>().ToArray());
        Assert.Equal(1.5f, decoded.FindOutput("c")!.Value.Buffer.AsSpan<BFloat16>()[0].ToSingle());
    }

    [Theory]
    [MemberData(nameof(ElementTypes))]
    public void Grpc_messages_round_trip_with_raw_contents(TensorElementType type)
    {
        var value = DatatypeTests.Sample(type);
        var request = new InferenceRequest { ModelName = "m", ModelVersion = "1", Id = "g", Parameters = new() { ["k"] = 5L } };
        request.Inputs.Add(new InferTensor("in", value));
        request.Outputs = [new InferRequestedOutput("out")];
        var message = GrpcInferenceCodec.EncodeRequest(request);
        Assert.Equal(TensorBytes.GetWireBytes(value).ToArray(), message.RawInputContents[0].ToByteArray());

        var parsed = ModelInferRequest.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(message));
        var decoded = GrpcInferenceCodec.DecodeRequest(parsed);
        Assert.Equal(("m", "1", "g"), (decoded.ModelName, decoded.ModelVersion, decoded.Id));
        Assert.Equal(5L, decoded.Parameters!["k"].TryGetInt64(out long k) ? k : 0);
        Assert.Equal("out", decoded.Outputs!.Single().Name);
        DatatypeTests.AssertSameElements(value, decoded.Inputs[0].Value);

        var response = new InferenceResponse { ModelName = "m", Id = "g" };
        response.Outputs.Add(new InferTensor("out", value));
        var back = GrpcInferenceCodec.DecodeResponse(ModelInferResponse.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(GrpcInferenceCodec.EncodeResponse(response))));
        DatatypeTests.AssertSameElements(value, back.Outputs[0].Value);
    }

    [Fact]
    public void Grpc_typed_contents_decode_and_are_range_checked()
    {
        var message = new ModelInferRequest { ModelName = "m" };
        message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "i8", Datatype = "INT8", Shape = { 3 }, Contents = new() { IntContents = { -128, 0, 127 } } });
        message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "u16", Datatype = "UINT16", Shape = { 2 }, Contents = new() { UintContents = { 0, 65535 } } });
        message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "s", Datatype = "BYTES", Shape = { 1 }, Contents = new() { BytesContents = { Google.Protobuf.ByteString.CopyFromUtf8("héllo") } } });
        var decoded = GrpcInferenceCodec.DecodeRequest(message);
        Assert.Equal([(sbyte)-128, (sbyte)0, (sbyte)127], decoded.Inputs[0].Value.Buffer.AsSpan<sbyte>().ToArray());
        Assert.Equal([(ushort)0, ushort.MaxValue], decoded.Inputs[1].Value.Buffer.AsSpan<ushort>().ToArray());
        Assert.Equal("héllo", decoded.Inputs[2].Value.Buffer.AsSpan<string>()[0]);

        message.Inputs[0].Contents.IntContents[0] = 300;
        Assert.Equal(ProtocolErrorKind.InvalidValue, Assert.Throws<ProtocolException>(() => GrpcInferenceCodec.DecodeRequest(message)).Kind);

        var half = new ModelInferRequest();
        half.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "h", Datatype = "FP16", Shape = { 1 }, Contents = new() { Fp32Contents = { 1 } } });
        Assert.Equal(ProtocolErrorKind.Unsupported, Assert.Throws<ProtocolException>(() => GrpcInferenceCodec.DecodeRequest(half)).Kind);

        var missing = new ModelInferRequest();
        missing.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "a", Datatype = "FP32", Shape = { 2 } });
        missing.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32", Shape = { 2 } });
        missing.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[8]));
        Assert.Equal(ProtocolErrorKind.InvalidFraming, Assert.Throws<ProtocolException>(() => GrpcInferenceCodec.DecodeRequest(missing)).Kind);
    }

    [Fact]
    public void Binary_bytes_inputs_keep_their_bytes_and_text_inputs_stay_strict_utf8()
    {
        // The first bytes of a PNG, then bytes that are not UTF-8: what an image in a BYTES element looks like. Framed as
        // tritonclient frames an np.object_ array of bytes (4-byte little-endian length, then the bytes).
        byte[] image = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0x00, 0xC3, 0x80];
        var json = Encoding.UTF8.GetBytes($$$"""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":{{{4 + image.Length}}}}}]}""");
        var body = new byte[json.Length + 4 + image.Length];
        json.CopyTo(body, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(json.Length), (uint)image.Length);
        image.CopyTo(body, json.Length + 4);
        var binary = new ProtocolLimits { BinaryBytesTensors = new HashSet<string>(StringComparer.Ordinal) { "image" } };

        var decoded = RestInferenceCodec.DecodeRequest(body, json.Length, binary);
        Assert.Equal(TensorElementType.Binary, decoded.Inputs[0].Value.ElementType);
        Assert.Equal(image, decoded.Inputs[0].Value.Buffer.AsSpan<ReadOnlyMemory<byte>>()[0].ToArray());
        var strict = Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(body, json.Length, ProtocolLimits.Default));
        Assert.Contains("UTF-8", strict.Message);

        var message = new ModelInferRequest { ModelName = "ocr" };
        message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor
        {
            Name = "image", Datatype = "BYTES", Shape = { 1 },
            Contents = new InferTensorContents { BytesContents = { Google.Protobuf.ByteString.CopyFrom(image) } },
        });
        Assert.Equal(image, GrpcInferenceCodec.DecodeRequest(message, binary).Inputs[0].Value.Buffer.AsSpan<ReadOnlyMemory<byte>>()[0].ToArray());
        Assert.Throws<ProtocolException>(() => GrpcInferenceCodec.DecodeRequest(message, ProtocolLimits.Default));
    }

    [Fact]
    public void Binary_elements_encode_as_raw_bytes_in_binary_data_and_grpc_and_as_base64_with_mlservers_content_type_in_json()
    {
        byte[][] images = [[0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00], [], [0xC3, 0x28, 0xA0]];
        var value = TensorValue.Create(images.Select(static b => (ReadOnlyMemory<byte>)b).ToArray(), 3);
        var binary = new ProtocolLimits { BinaryBytesTensors = new HashSet<string>(StringComparer.Ordinal) { "image" } };

        // REST, binary extension: the wire bytes are tritonclient's framing of np.object_ bytes (length, bytes; per element).
        var request = new InferenceRequest();
        request.Inputs.Add(new InferTensor("image", value) { Binary = true });
        using (var encoded = RestInferenceCodec.EncodeRequest(request))
        {
            var body = Body(encoded);
            byte[] expected = [6, 0, 0, 0, 0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00, 0, 0, 0, 0, 3, 0, 0, 0, 0xC3, 0x28, 0xA0];
            Assert.Equal(expected, body[^expected.Length..]);
            Assert.Equal(images, Elements(RestInferenceCodec.DecodeRequest(body, encoded.InferenceHeaderContentLength, binary)));
        }

        // REST JSON: base64 text with "content_type": "base64", as MLServer's Base64Codec sends bytes (standard alphabet, padded).
        request.Inputs[0].Binary = false;
        using (var encoded = RestInferenceCodec.EncodeRequest(request))
        {
            Assert.Null(encoded.InferenceHeaderContentLength);
            var body = Body(encoded);
            string text = Encoding.UTF8.GetString(body);
            Assert.Contains("\"parameters\":{\"content_type\":\"base64\"}", text);
            Assert.Contains("\"data\":[\"iVBOR/8A\",\"\",\"wyig\"]", text);
            // The server knows the tensor is binary (its metadata), and any receiver knows from the parameter alone.
            Assert.Equal(images, Elements(RestInferenceCodec.DecodeRequest(body, null, binary)));
            Assert.Equal(images, Elements(RestInferenceCodec.DecodeRequest(body, null, ProtocolLimits.Default)));
        }

        // An MLServer-style body written by hand: base64 elements and the content type, no binary extension.
        var mlserver = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"image","shape":[3],"datatype":"BYTES","parameters":{"content_type":"base64"},"data":["iVBOR/8A","","wyig"]}]}""");
        Assert.Equal(images, Elements(RestInferenceCodec.DecodeRequest(mlserver, null, ProtocolLimits.Default)));
        var notBase64 = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["not base64!"]}]}""");
        Assert.Contains("base64", Assert.Throws<ProtocolException>(() => RestInferenceCodec.DecodeRequest(notBase64, null, binary)).Message);

        // gRPC: every input binary, so each element goes in bytes_contents (no raw contents), wrapped without a copy.
        var grpc = GrpcInferenceCodec.EncodeRequest(request);
        Assert.Empty(grpc.RawInputContents);
        Assert.Equal(images, grpc.Inputs[0].Contents.BytesContents.Select(static b => b.ToByteArray()));
        Assert.Equal("BYTES", grpc.Inputs[0].Datatype);
        Assert.Equal(images, Elements(GrpcInferenceCodec.DecodeRequest(grpc, binary)));

        // Mixed with a fixed-size input, everything goes in raw contents (the protocol forbids mixing).
        request.Inputs.Add(new InferTensor("scale", TensorValue.Create(new float[] { 2f }, 1)));
        var mixed = GrpcInferenceCodec.EncodeRequest(request);
        Assert.Equal(2, mixed.RawInputContents.Count);
        Assert.Equal(images, Elements(GrpcInferenceCodec.DecodeRequest(mixed, binary)));
    }

    [Fact]
    public void Grpc_bytes_contents_marked_base64_as_mlservers_base64codec_sends_them_decode_to_the_bytes()
    {
        // MLServer's Base64Codec (use_bytes=True) puts base64 text in bytes_contents and says so with content_type (string_param).
        byte[][] images = [[0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00], [], [0xC3, 0x28, 0xA0]];
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES", Shape = { 3, 1 } };
        tensor.Parameters["content_type"] = new InferParameter { StringParam = "base64" };
        tensor.Contents = new InferTensorContents();
        foreach (var image in images)
        {
            tensor.Contents.BytesContents.Add(Google.Protobuf.ByteString.CopyFromUtf8(Convert.ToBase64String(image)));
        }

        var request = new ModelInferRequest { ModelName = "paddleocr", Inputs = { tensor } };
        var decoded = GrpcInferenceCodec.DecodeRequest(request, ProtocolLimits.Default).Inputs[0].Value;
        Assert.Equal(TensorElementType.Binary, decoded.ElementType);
        Assert.Equal(images, decoded.Buffer.AsSpan<ReadOnlyMemory<byte>>().ToArray().Select(static m => m.ToArray()));

        // An element that is not base64 is kept as it is (MLServer's own decoder does the same); unmarked elements stay text.
        tensor.Contents.BytesContents[0] = Google.Protobuf.ByteString.CopyFrom(images[0]);
        Assert.Equal(images[0], GrpcInferenceCodec.DecodeRequest(request, ProtocolLimits.Default).Inputs[0].Value.Buffer.AsSpan<ReadOnlyMemory<byte>>()[0].ToArray());
        tensor.Parameters.Clear();
        tensor.Contents.BytesContents[0] = Google.Protobuf.ByteString.CopyFromUtf8("text");
        Assert.Equal(TensorElementType.String, GrpcInferenceCodec.DecodeRequest(request, ProtocolLimits.Default).Inputs[0].Value.ElementType);
    }

    [Fact]
    public void Model_metadata_marks_binary_bytes_tensors_with_content_type_base64_and_reads_it_back()
    {
        var metadata = Protocol.Metadata.ModelMetadataResponse.From("paddleocr", null, "ocr", new ModelSignature(
            [new TensorInfo("image", TensorElementType.Binary, [-1])], [new TensorInfo("lines", TensorElementType.String, [-1])]));
        string json = System.Text.Json.JsonSerializer.Serialize(metadata, Protocol.Metadata.ProtocolJsonContext.Default.ModelMetadataResponse);
        Assert.Contains("""{"name":"image","datatype":"BYTES","shape":[-1],"parameters":{"content_type":"base64"}}""", json);
        Assert.Contains("""{"name":"lines","datatype":"BYTES","shape":[-1]}""", json);
        var back = System.Text.Json.JsonSerializer.Deserialize(json, Protocol.Metadata.ProtocolJsonContext.Default.ModelMetadataResponse)!.ToSignature();
        Assert.Equal(TensorElementType.Binary, back.Inputs[0].ElementType);
        Assert.Equal(TensorElementType.String, back.Outputs[0].ElementType);
    }

    private static byte[] Body(EncodedMessage message) =>
        [.. message.Json.ToArray(), .. message.BinarySegments.SelectMany(static s => s.ToArray())];

    private static byte[][] Elements(InferenceRequest request) =>
        request.Inputs[0].Value.Buffer.AsSpan<ReadOnlyMemory<byte>>().ToArray().Select(static m => m.ToArray()).ToArray();
}
