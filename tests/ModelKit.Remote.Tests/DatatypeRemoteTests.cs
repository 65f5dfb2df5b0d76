using ModelKit.Onnx;
using ModelKit.OnnxFormat;

namespace ModelKit.Remote.Tests;

/// <summary>Every element type through REST JSON, REST binary and gRPC: the remote answer equals the local one, bit for bit.</summary>
public sealed class DatatypeRemoteTests(RemoteServerFixture fixture) : IClassFixture<RemoteServerFixture>
{
    public static TheoryData<OnnxDataType, string> Cases()
    {
        var data = new TheoryData<OnnxDataType, string>();
        foreach (var type in TestModels.AllTypes)
        {
            foreach (var protocol in Clients.Protocols)
            {
                data.Add(type, protocol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_element_type_gives_the_same_answer_remotely(OnnxDataType type, string protocol)
    {
        string name = RemoteServerFixture.IdentityName(type);
        var input = TestModels.Sample((TensorElementType)(int)type);
        using var localBackend = OnnxModelBackend.Load(name, fixture.ModelFile(name));
        using var localClient = new DynamicModelClient(localBackend);
        var expected = localClient.Run([new NamedTensor("x", input)]);

        var (services, backend) = Clients.Remote(name, fixture.Host.EndpointFor(protocol), protocol);
        using (services)
        {
            Assert.Equal(localBackend.Signature.ToString(), backend.Signature.ToString());
            using var remoteClient = new DynamicModelClient(backend);
            var actual = remoteClient.Run([new NamedTensor("x", input)]);
            var actualAsync = await remoteClient.RunAsync([new NamedTensor("x", input)]);
            Assert.Equal("y", Assert.Single(actual).Name);
            TestModels.AssertSame(expected[0].Value, actual[0].Value, $"{type} over {protocol}");
            TestModels.AssertSame(expected[0].Value, actualAsync[0].Value, $"{type} over {protocol} (async)");
            TestModels.AssertSame(input, actual[0].Value, $"{type} over {protocol} vs input");

            // Batch dimension other than the sample's: [1,3] and [0,3].
            var one = SliceRows(input, 1);
            TestModels.AssertSame(one, remoteClient.Run([new NamedTensor("x", one)])[0].Value, $"{type} [1,3] over {protocol}");
            var none = SliceRows(input, 0);
            TestModels.AssertSame(none, remoteClient.Run([new NamedTensor("x", none)])[0].Value, $"{type} [0,3] over {protocol}");
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public void Binary_elements_go_to_a_bytes_input_whose_metadata_does_not_say_binary_as_raw_bytes(string protocol)
    {
        // identity_string's metadata says BYTES without a content type (as Triton's and KServe's do): the caller's element type
        // (ReadOnlyMemory<byte>) decides, and the bytes arrive unchanged (here UTF-8, which the text model reads back as strings).
        string name = RemoteServerFixture.IdentityName(OnnxDataType.String);
        string[] texts = ["héllo", string.Empty, "日本語 bytes"];
        var input = TensorValue.Create(texts.Select(static t => (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(t)).ToArray(), 1, 3);
        var (services, backend) = Clients.Remote(name, fixture.Host.EndpointFor(protocol), protocol);
        using (services)
        {
            Assert.Equal(TensorElementType.String, backend.Signature.Inputs[0].ElementType);
            using var client = new DynamicModelClient(backend);
            var output = Assert.Single(client.Run([new NamedTensor("x", input)])).Value;
            Assert.Equal(texts, output.Buffer.AsSpan<string>().ToArray());
        }
    }

    [Fact]
    public void Binary_elements_to_a_text_input_over_rest_json_are_refused_with_a_clear_error()
    {
        // In JSON binary elements travel as base64 with MLServer's content type; a text input cannot take them (a 400 that says so).
        string name = RemoteServerFixture.IdentityName(OnnxDataType.String);
        var input = TensorValue.Create(new ReadOnlyMemory<byte>[] { new byte[] { 0xFF, 0x00 }, new byte[] { 1 }, new byte[] { 2 } }, 1, 3);
        var (services, backend) = Clients.Remote(name, fixture.Host.EndpointFor("rest-json"), "rest-json");
        using (services)
        {
            using var client = new DynamicModelClient(backend);
            var error = Assert.Throws<RemoteInferenceException>(() => client.Run([new NamedTensor("x", input)]));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
            Assert.Contains("binary elements", error.Message);
        }
    }

    [Theory]
    [InlineData("rest-binary")]
    [InlineData("grpc")]
    public async Task Dynamic_batching_stacks_concurrent_remote_calls_into_fewer_requests(string protocol)
    {
        using var requests = new ServerRequests(fixture.Host);
        var (services, backend) = Clients.Remote("identity_int64", fixture.Host.EndpointFor(protocol), protocol, o => o.Batching = new BatchingOptions
        {
            MaxBatchSize = 32,
            MaxQueueDelay = TimeSpan.FromMilliseconds(50),
        });
        using (services)
        {
            Assert.IsNotType<RemoteBackend>(backend); // the registry wrapped it in the batcher
            using var client = new DynamicModelClient(backend);
            const int Calls = 24;
            var results = await Task.WhenAll(Enumerable.Range(0, Calls).Select(i => Task.Run(async () =>
            {
                var row = TensorValue.Create(new long[] { i, -i, i * 1000L }, 1, 3);
                return (Row: row, Answer: (await client.RunAsync([new NamedTensor("x", row)]))[0].Value);
            })));
            foreach (var (row, answer) in results)
            {
                TestModels.AssertSame(row, answer, $"batched row over {protocol}");
            }

            await requests.SettledAsync();
            Assert.InRange(requests.Count("identity_int64"), 1, Calls - 1);
        }
    }

    private static TensorValue SliceRows(TensorValue value, int rows) => new([rows, 3], value.Buffer.Slice(0, rows * 3));
}
