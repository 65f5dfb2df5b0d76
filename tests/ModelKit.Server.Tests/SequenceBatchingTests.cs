using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using ModelKit.OnnxFormat;
using ModelKit.Protocol;

namespace ModelKit.Server.Tests;

/// <summary>
/// The sequence batcher on an exact model: an accumulator whose state <c>[2, batch, 3]</c> (batch axis 1) adds <c>k · x</c> each
/// request, with <c>k</c> a constant input the server fills. Every answer is known in closed form, so a state stacked into the
/// wrong batch row, kept from a failed run, carried across a restart or shared between two ids shows as a wrong number.
/// </summary>
public sealed class SequenceBatchingTests : IAsyncLifetime
{
    private const string Model = "accumulator";
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost _host = null!;

    /// <summary>x FP32[B,3], state FP32[2,B,3], k INT64 scalar → stateN = state + k·x, y = Σ over axis 0 of stateN (FP32[B,3]).</summary>
    public static byte[] Accumulator() => new OnnxGraphBuilder("accumulator")
        .AddInput("x", OnnxDataType.Float, [-1, 3])
        .AddInput("state", OnnxDataType.Float, [2, -1, 3])
        .AddInput("k", OnnxDataType.Int64, [])
        .AddInitializer("axes", new long[] { 0 }, 1)
        .AddNode("Cast", ["k"], ["kf"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Mul", ["x", "kf"], ["kx"])
        .AddNode("Add", ["state", "kx"], ["stateN"])
        .AddNode("ReduceSum", ["stateN", "axes"], ["y"], OnnxAttribute.Int("keepdims", 0))
        .AddOutput("y", OnnxDataType.Float, [-1, 3])
        .AddOutput("stateN", OnnxDataType.Float, [2, -1, 3])
        .ToBytes();

    public async Task InitializeAsync()
    {
        _repository.Add(Model, 1, Accumulator()).Config(Model, """
            { "sequence_batching": {
                "max_sequences": 64, "max_batch_size": 16, "max_queue_delay_microseconds": 2000,
                "state": [ { "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 3], "data_type": "TYPE_FP32",
                             "initial_state": { "zero_data": true } } ],
                "constant_input": [ { "name": "k", "int64_value": 2 } ] } }
            """);
        _host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _repository.Dispose();
    }

    [Fact]
    public async Task Interleaved_sequences_each_accumulate_their_own_state_in_shared_runs()
    {
        using var batches = new MetricCollector<int>(null, ModelKitMetrics.MeterName, "modelkit.batch.size");
        const int sequences = 12;
        const int steps = 15;
        await Task.WhenAll(Enumerable.Range(1, sequences).Select(s => Task.Run(async () =>
        {
            float sum = 0;
            for (int step = 0; step < steps; step++)
            {
                float x = (s * 100) + step;
                sum += x;
                var answer = await InferAsync(Id(s), x, start: step == 0, end: step == steps - 1);
                Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
                // Two state layers, each 2·Σx: y = 4·Σx in every column.
                Assert.Equal(new[] { 4 * sum, 4 * sum, 4 * sum }, Floats(answer));
            }
        })));

        var sizes = batches.Tagged("model", Model).Select(static m => m.Value).ToList();
        Assert.Equal(sequences * steps, sizes.Sum());
        Assert.Contains(sizes, static size => size > 1);
    }

    [Fact]
    public async Task Numeric_and_string_ids_are_different_sequences_and_a_start_restarts()
    {
        Assert.Equal(new[] { 4f, 4f, 4f }, Floats(await InferAsync(ParameterValue.FromInt64(42), 1, start: true)));
        Assert.Equal(new[] { 40f, 40f, 40f }, Floats(await InferAsync(ParameterValue.FromString("42"), 10, start: true)));
        Assert.Equal(new[] { 12f, 12f, 12f }, Floats(await InferAsync(ParameterValue.FromInt64(42), 2, start: false)));
        Assert.Equal(new[] { 4f, 4f, 4f }, Floats(await InferAsync(ParameterValue.FromInt64(42), 1, start: true))); // restarted from zeros
        Assert.Equal(new[] { 80f, 80f, 80f }, Floats(await InferAsync(ParameterValue.FromString("42"), 10, start: false)));

        // End-only (no inputs): frees the state; the id is then unknown, with the reason.
        var end = new InferenceRequest { Parameters = new() { ["sequence_id"] = ParameterValue.FromString("42"), ["sequence_end"] = true } };
        var ended = await Wire.InferAsync(_host.Http, Model, end);
        Assert.True(ended.Status == HttpStatusCode.OK, ended.Text);
        Assert.Empty(ended.Response!.Outputs);
        var after = await InferAsync(ParameterValue.FromString("42"), 1, start: false);
        Assert.Equal(HttpStatusCode.BadRequest, after.Status);
        Assert.Contains("ended (sequence_end)", after.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_sees_only_the_inputs_it_sends()
    {
        var metadata = await Wire.GetAsync(_host.Http, $"/v2/models/{Model}");
        Assert.Equal(HttpStatusCode.OK, metadata.Status);
        Assert.Contains("\"x\"", metadata.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"state\"", metadata.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"k\"", metadata.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("stateN", metadata.Text, StringComparison.Ordinal);

        var wrongShape = new InferenceRequest { Parameters = new() { ["sequence_id"] = 7L, ["sequence_start"] = true } };
        wrongShape.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[6], 2, 3)));
        var answer = await Wire.InferAsync(_host.Http, Model, wrongShape);
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("[1,3]", answer.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "input_name": "state", "output_name": "stateN", "batch_axis": 3 }""", "batch_axis 3 is outside")]
    [InlineData("""{ "input_name": "nope", "output_name": "stateN", "batch_axis": 1 }""", "input_name 'nope'")]
    [InlineData("""{ "input_name": "state", "output_name": "stateN", "batch_axis": 1, "data_type": "TYPE_INT32" }""", "declares data_type TYPE_INT32")]
    [InlineData("""{ "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 4] }""", "dims [2,4] do not fit")]
    [InlineData("""{ "input_name": "state", "output_name": "stateN", "batch_axis": 0 }""", "give dims where the model's are dynamic")]
    public async Task A_configuration_that_does_not_fit_the_model_fails_the_load_naming_the_field(string state, string expected)
    {
        using var repository = TestModels.NewRepository();
        repository.Add(Model, 1, Accumulator()).Config(Model,
            $$"""{ "sequence_batching": { "state": [ {{state}} ], "constant_input": [ { "name": "k", "int64_value": 2 } ] } }""");
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = repository.Root);
        var entry = Assert.Single(host.Server.GetRepositoryIndex(readyOnly: false));
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains(expected, entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sequences_start_from_the_initial_state_data_file_in_the_model_folder()
    {
        // Triton's initial_state.data_file: one sequence's state, raw row-major FP32 (dims [2, 3]), in <model>/initial_state/.
        using var repository = TestModels.NewRepository();
        repository.Add(Model, 1, Accumulator()).Config(Model, """
            { "sequence_batching": {
                "max_batch_size": 4,
                "state": [ { "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 3], "data_type": "TYPE_FP32",
                             "initial_state": [ { "data_type": "TYPE_FP32", "dims": [2, 3], "data_file": "start.bin", "name": "start" } ] } ],
                "constant_input": [ { "name": "k", "int64_value": 2 } ] },
              "model_warmup": [ { "name": "two", "batch_size": 2, "inputs": { "x": { "data_type": "TYPE_FP32", "dims": [3], "zero_data": true } } } ] }
            """);
        Directory.CreateDirectory(Path.Combine(repository.Root, Model, "initial_state"));
        float[] initial = [1, 2, 3, 10, 20, 30];
        await File.WriteAllBytesAsync(Path.Combine(repository.Root, Model, "initial_state", "start.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(initial.AsSpan()).ToArray());
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = repository.Root);

        async Task<float[]> Run(long id, float x, bool start)
        {
            var request = new InferenceRequest { Parameters = new() { ["sequence_id"] = id, ["sequence_start"] = start } };
            request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { x, x, x }, 1, 3)) { Binary = true });
            return Floats(await Wire.InferAsync(host.Http, Model, request));
        }

        // stateN = state + 2x per layer; y = the two layers summed: (1+10, 2+20, 3+30) + 2·2x.
        Assert.Equal(new[] { 15f, 26f, 37f }, await Run(5, 1, start: true));
        Assert.Equal(new[] { 11f, 22f, 33f }, await Run(6, 0, start: true)); // another sequence starts from the file too
        Assert.Equal(new[] { 19f, 30f, 41f }, await Run(5, 1, start: false));
        Assert.Equal(new[] { 15f, 26f, 37f }, await Run(5, 1, start: true)); // a restart goes back to the file's state, not zeros

        using var config = System.Text.Json.JsonDocument.Parse((await Wire.GetAsync(host.Http, $"/v2/models/{Model}/config")).Text);
        var reported = config.RootElement.GetProperty("sequence_batching").GetProperty("state")[0].GetProperty("initial_state")[0];
        Assert.Equal("start.bin", reported.GetProperty("data_file").GetString());
        Assert.False(reported.TryGetProperty("zero_data", out _));
    }

    [Theory]
    [InlineData("start.bin", 20, "has 20 bytes; one sequence's state TYPE_FP32[2,3] takes 24")]
    [InlineData("missing.bin", 24, "'missing.bin' is not a file in")]
    [InlineData("../config.json", 24, "must name a file inside the model folder's initial_state/")]
    public async Task A_bad_initial_state_data_file_fails_the_load_naming_it(string file, int bytes, string expected)
    {
        using var repository = TestModels.NewRepository();
        repository.Add(Model, 1, Accumulator()).Config(Model, $$"""
            { "sequence_batching": {
                "state": [ { "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 3], "initial_state": { "data_file": "{{file}}" } } ],
                "constant_input": [ { "name": "k", "int64_value": 2 } ] } }
            """);
        Directory.CreateDirectory(Path.Combine(repository.Root, Model, "initial_state"));
        await File.WriteAllBytesAsync(Path.Combine(repository.Root, Model, "initial_state", "start.bin"), new byte[bytes]);
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = repository.Root);
        var entry = Assert.Single(host.Server.GetRepositoryIndex(readyOnly: false));
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains(expected, entry.Reason, StringComparison.Ordinal);
    }

    private static ParameterValue Id(int s) => ParameterValue.FromInt64(1000 + s);

    private Task<RestAnswer> InferAsync(ParameterValue id, float x, bool start, bool end = false)
    {
        var request = new InferenceRequest { Parameters = new() { ["sequence_id"] = id, ["sequence_start"] = start, ["sequence_end"] = end } };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { x, x, x }, 1, 3)) { Binary = true });
        return Wire.InferAsync(_host.Http, Model, request);
    }

    private static float[] Floats(RestAnswer answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var y = answer.Response!.FindOutput("y") ?? throw new InvalidOperationException("no y");
        return y.Value.Buffer.AsSpan<float>().ToArray();
    }
}
