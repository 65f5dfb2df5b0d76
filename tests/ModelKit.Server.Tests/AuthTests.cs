using System.Net;
using Grpc.Core;
using ModelKit.Protocol.Grpc;

namespace ModelKit.Server.Tests;

/// <summary>API keys over REST and gRPC, and the refusal to serve a non-loopback address without one.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string Key = "s3cret-key-for-tests";
    private const string OtherKey = "another-valid-key-2";
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost _host = null!;

    public async Task InitializeAsync()
    {
        _repository.Add("two", 1, TestModels.TwoOutputs());
        _host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = _repository.Root;
            o.ApiKeys.Add(Key);
            o.ApiKeys.Add(OtherKey);
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Theory]
    [InlineData("/v2")]
    [InlineData("/v2/models/two")]
    [InlineData("/metrics")]
    public async Task Missing_and_wrong_keys_are_rejected_with_401(string path)
    {
        var missing = await Wire.GetAsync(_host.Http, path);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Contains("API key is required", missing.Error);
        Assert.Equal("Bearer", missing.Message.Headers.WwwAuthenticate.Single().Scheme);

        var wrong = await Wire.GetAsync(_host.Http, path, m => m.Headers.Add("x-api-key", Key + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Contains("not valid", wrong.Error);

        var wrongBearer = await Wire.GetAsync(_host.Http, path, m => m.Headers.Authorization = new("Bearer", Key[..^1]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongBearer.Status);
    }

    [Fact]
    public async Task Both_header_forms_and_every_configured_key_are_accepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2", m => m.Headers.Authorization = new("Bearer", Key))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2", m => m.Headers.Add("x-api-key", Key))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2", m => m.Headers.Add("x-api-key", OtherKey))).Status);

        var infer = await Wire.PostJsonAsync(_host.Http, "/v2/models/two/infer", """{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""",
            m => m.Headers.Authorization = new("Bearer", OtherKey));
        Assert.Equal(HttpStatusCode.OK, infer.Status);

        var rejected = await Wire.PostJsonAsync(_host.Http, "/v2/models/two/infer", """{"inputs":[]}""");
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.Status);
    }

    [Fact]
    public async Task Health_endpoints_stay_open()
    {
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/health/live")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/health/ready")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(_host.Http, "/v2/models/two/ready")).Status);
        Assert.True((await _host.Grpc.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await _host.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "two" })).Ready);
    }

    [Fact]
    public async Task Grpc_calls_need_a_key_in_either_header()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.ServerMetadataAsync(new ServerMetadataRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), new Metadata { { "x-api-key", "nope-nope-nope" } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);

        Assert.Equal("modelkit", (await _host.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), new Metadata { { "authorization", "Bearer " + Key } })).Name);
        Assert.Equal("modelkit", (await _host.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), new Metadata { { "x-api-key", OtherKey } })).Name);
    }

    [Fact]
    public async Task A_server_on_a_non_loopback_address_without_a_key_refuses_to_start()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(listen: IPAddress.Any, waitForStartup: false));
        Assert.Contains("not loopback, and no API key is configured", error.Message);

        await using (var withKey = await TestHost.StartAsync(o => o.ApiKeys.Add(Key), listen: IPAddress.Any))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Wire.GetAsync(withKey.Http, "/v2")).Status);
        }

        await using var disabled = await TestHost.StartAsync(o => o.DisableAuthentication = true, listen: IPAddress.Any);
        Assert.Equal(HttpStatusCode.OK, (await Wire.GetAsync(disabled.Http, "/v2")).Status);
    }

    [Fact]
    public void Loopback_addresses_are_recognised()
    {
        Assert.True(ListenAddressGuard.IsLoopback("http://127.0.0.1:8000"));
        Assert.True(ListenAddressGuard.IsLoopback("http://[::1]:8000"));
        Assert.True(ListenAddressGuard.IsLoopback("http://localhost:5000"));
        Assert.False(ListenAddressGuard.IsLoopback("http://0.0.0.0:8000"));
        Assert.False(ListenAddressGuard.IsLoopback("http://[::]:8000"));
        Assert.False(ListenAddressGuard.IsLoopback("http://10.1.2.3:8000"));
        Assert.False(ListenAddressGuard.IsLoopback("http://*:8000"));
    }
}
