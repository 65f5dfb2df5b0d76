using System.Net;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using ModelKit.OnnxFormat;
using ModelKit.Protocol;
using ModelKit.Server.Triton;

namespace ModelKit.Server.Tests;

/// <summary>
/// Triton's <c>control_input</c> kinds and its <c>oldest</c> / <c>direct</c> strategies on a real ONNX model that shows the server's
/// control tensors in its outputs: an accumulator that resets its state on START, and echoes per row START, READY, END, the run's
/// row count, the sum of READY over the run's rows, and CORRID. Every value is exact, so a control filled into the wrong row, a
/// false/true value swapped, or a direct sequence moved to another slot shows as a wrong number.
/// </summary>
public sealed class SequenceControlTests : IAsyncDisposable
{
    private const string Model = "controlled";
    private readonly TempRepository _repository = TestModels.NewRepository();
    private TestHost? _host;

    private const string Controls = """
        "control_input": [
          { "name": "START", "control": [ { "kind": "CONTROL_SEQUENCE_START", "int32_false_true": [0, 1] } ] },
          { "name": "READY", "control": [ { "kind": "CONTROL_SEQUENCE_READY", "fp32_false_true": [0.25, 1] } ] },
          { "name": "END", "control": [ { "kind": "CONTROL_SEQUENCE_END", "bool_false_true": [false, true] } ] },
          { "name": "CORRID", "control": [ { "kind": "CONTROL_SEQUENCE_CORRID", "data_type": "TYPE_UINT64" } ] } ],
        "state": [ { "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 3] } ]
        """;

    /// <summary>
    /// x FP32[B,3], state FP32[2,B,3], START INT32[B,1], READY FP32[B,1], END BOOL[B,1], CORRID UINT64[B,1] →
    /// stateN = state·(1 − START) + x; y = Σ over axis 0 of stateN; flags FP32[B,5] = (START, READY, END, B, Σ_rows READY); corr = CORRID.
    /// </summary>
    public static byte[] ControlledAccumulator() => new OnnxGraphBuilder("controlled")
        .AddInput("x", OnnxDataType.Float, [-1, 3])
        .AddInput("state", OnnxDataType.Float, [2, -1, 3])
        .AddInput("START", OnnxDataType.Int32, [-1, 1])
        .AddInput("READY", OnnxDataType.Float, [-1, 1])
        .AddInput("END", OnnxDataType.Bool, [-1, 1])
        .AddInput("CORRID", OnnxDataType.UInt64, [-1, 1])
        .AddInitializer("one", [1f], 1)
        .AddInitializer("axes", new long[] { 0 }, 1)
        .AddInitializer("zero", new long[] { 0 }, 1)
        .AddInitializer("first", new long[] { 1 }, 1)
        .AddNode("Cast", ["START"], ["startf"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Sub", ["one", "startf"], ["keep"])
        .AddNode("Mul", ["state", "keep"], ["kept"])
        .AddNode("Add", ["kept", "x"], ["stateN"])
        .AddNode("ReduceSum", ["stateN", "axes"], ["y"], OnnxAttribute.Int("keepdims", 0))
        .AddNode("Cast", ["END"], ["endf"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Shape", ["START"], ["shape"])
        .AddNode("Slice", ["shape", "zero", "first"], ["rows"])
        .AddNode("Cast", ["rows"], ["rowsf"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
        .AddNode("Expand", ["rowsf", "shape"], ["rowcount"])
        .AddNode("ReduceSum", ["READY", "axes"], ["readysum1"], OnnxAttribute.Int("keepdims", 1))
        .AddNode("Expand", ["readysum1", "shape"], ["readysum"])
        .AddNode("Concat", ["startf", "READY", "endf", "rowcount", "readysum"], ["flags"], OnnxAttribute.Int("axis", 1))
        .AddNode("Identity", ["CORRID"], ["corr"])
        .AddOutput("y", OnnxDataType.Float, [-1, 3])
        .AddOutput("stateN", OnnxDataType.Float, [2, -1, 3])
        .AddOutput("flags", OnnxDataType.Float, [-1, 5])
        .AddOutput("corr", OnnxDataType.UInt64, [-1, 1])
        .ToBytes();

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _repository.Dispose();
    }

    private async Task<TestHost> StartAsync(string sequenceBatching)
    {
        _repository.Add(Model, 1, ControlledAccumulator()).Config(Model, $$"""{ "sequence_batching": { {{sequenceBatching}} } }""");
        _host = await TestHost.StartAsync(o => o.RepositoryPath = _repository.Root);
        return _host;
    }

    [Fact]
    public async Task Oldest_fills_each_rows_start_ready_end_and_correlation_id()
    {
        var host = await StartAsync($$""" "max_batch_size": 8, "max_queue_delay_microseconds": 3000, {{Controls}} """);
        const int sequences = 6;
        const int steps = 5;
        await Task.WhenAll(Enumerable.Range(1, sequences).Select(s => Task.Run(async () =>
        {
            long id = 9_000_000_000L + s; // above 2^32: CORRID carries all 64 bits
            float sum = 0;
            for (int step = 0; step < steps; step++)
            {
                float x = s + step;
                sum += x;
                bool start = step == 0;
                bool end = step == steps - 1;
                var answer = await InferAsync(host, id, x, start, end);
                Assert.Equal(new[] { 2 * sum, 2 * sum, 2 * sum }, Output<float>(answer, "y"));
                float[] flags = Output<float>(answer, "flags");
                Assert.Equal(start ? 1f : 0f, flags[0]);
                Assert.Equal(1f, flags[1]); // READY's true value on every row that holds a request
                Assert.Equal(end ? 1f : 0f, flags[2]);
                Assert.Equal(flags[3], flags[4]); // oldest: every row of a run is a ready request
                Assert.Equal(new[] { (ulong)id }, Output<ulong>(answer, "corr"));
            }
        })));

        // The model resets on START: a restart mid-sequence begins again from x.
        Assert.Equal(new[] { 6f, 6f, 6f }, Output<float>(await InferAsync(host, 77, 3, start: true), "y"));
        Assert.Equal(new[] { 10f, 10f, 10f }, Output<float>(await InferAsync(host, 77, 2, start: false), "y"));
        Assert.Equal(new[] { 2f, 2f, 2f }, Output<float>(await InferAsync(host, 77, 1, start: true), "y"));

        // CORRID is numeric here: a string id cannot be carried, and says so.
        var request = new InferenceRequest { Parameters = new() { ["sequence_id"] = ParameterValue.FromString("seven"), ["sequence_start"] = true } };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new float[3], 1, 3)));
        var refused = await Wire.InferAsync(host.Http, Model, request);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("CONTROL_SEQUENCE_CORRID", refused.Error, StringComparison.Ordinal);

        // Clients see neither controls nor state.
        var metadata = await Wire.GetAsync(host.Http, $"/v2/models/{Model}");
        Assert.DoesNotContain("READY", metadata.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("CORRID", metadata.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_binds_each_sequence_to_a_slot_fills_idle_slots_not_ready_and_backlogs_past_the_slots()
    {
        var host = await StartAsync($$""" "max_batch_size": 3, "direct": { }, {{Controls}} """);

        // One at a time: A, B, C take slots 0, 1, 2. A request alone runs rows 0..its slot; the idle rows are READY false (0.25).
        Assert.Equal(new[] { 1f, 1f, 0f, 1f, 1f }, Output<float>(await InferAsync(host, 1, 1, start: true), "flags"));
        Assert.Equal(new[] { 1f, 1f, 0f, 2f, 1.25f }, Output<float>(await InferAsync(host, 2, 10, start: true), "flags"));
        Assert.Equal(new[] { 1f, 1f, 0f, 3f, 1.5f }, Output<float>(await InferAsync(host, 3, 100, start: true), "flags"));

        // B stays in slot 1; its state is its own whatever ran in the other rows (zeros with READY false).
        var b = await InferAsync(host, 2, 5, start: false);
        Assert.Equal(new[] { 30f, 30f, 30f }, Output<float>(b, "y"));
        Assert.Equal(new[] { 0f, 1f, 0f, 2f, 1.25f }, Output<float>(b, "flags"));

        // Every slot is bound: D waits in the backlog. It cannot run while A, B and C hold the slots, whatever runs meanwhile.
        var d = InferAsync(host, 4, 1000, start: true);
        Assert.Equal(new[] { 202f, 202f, 202f }, Output<float>(await InferAsync(host, 3, 1, start: false), "y"));
        Assert.Equal(new[] { 4f, 4f, 4f }, Output<float>(await InferAsync(host, 1, 1, start: false), "y"));
        Assert.False(d.IsCompleted, "D ran while every slot was bound");

        // B ends: its slot (1) frees and D takes it.
        var ended = await InferAsync(host, 2, 0, start: false, end: true);
        Assert.Equal(new[] { 0f, 1f, 1f, 2f, 1.25f }, Output<float>(ended, "flags"));
        var dAnswer = await d;
        Assert.Equal(new[] { 2000f, 2000f, 2000f }, Output<float>(dAnswer, "y"));
        Assert.Equal(new[] { 1f, 1f, 0f, 2f, 1.25f }, Output<float>(dAnswer, "flags")); // B's slot 1: rows 0 (idle) and 1
        Assert.Equal(new[] { 4UL }, Output<ulong>(dAnswer, "corr"));
    }

    [Fact]
    public async Task Config_reports_sequence_batching_in_tritons_shape_over_rest_and_grpc()
    {
        var host = await StartAsync($$""" "max_batch_size": 3, "max_sequence_idle_microseconds": 5000000, "direct": { "max_queue_delay_microseconds": 100, "minimum_slot_utilization": 0.5 }, {{Controls}} """);
        var rest = await Wire.GetAsync(host.Http, $"/v2/models/{Model}/config");
        Assert.Equal(HttpStatusCode.OK, rest.Status);
        using var json = JsonDocument.Parse(rest.Text);
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("max_batch_size").GetInt32());
        Assert.Equal(["x"], root.GetProperty("input").EnumerateArray().Select(static i => i.GetProperty("name").GetString()));
        Assert.Equal([3L], root.GetProperty("input")[0].GetProperty("dims").EnumerateArray().Select(static d => d.GetInt64()));
        var sequences = root.GetProperty("sequence_batching");
        Assert.Equal(5_000_000, sequences.GetProperty("max_sequence_idle_microseconds").GetInt64());
        var controls = sequences.GetProperty("control_input").EnumerateArray().ToDictionary(static c => c.GetProperty("name").GetString()!, static c => c.GetProperty("control")[0]);
        Assert.Equal("CONTROL_SEQUENCE_START", controls["START"].GetProperty("kind").GetString());
        Assert.Equal([0, 1], controls["START"].GetProperty("int32_false_true").EnumerateArray().Select(static v => v.GetInt32()));
        Assert.Equal([0.25f, 1f], controls["READY"].GetProperty("fp32_false_true").EnumerateArray().Select(static v => v.GetSingle()));
        Assert.Equal([false, true], controls["END"].GetProperty("bool_false_true").EnumerateArray().Select(static v => v.GetBoolean()));
        Assert.Equal("CONTROL_SEQUENCE_CORRID", controls["CORRID"].GetProperty("kind").GetString());
        Assert.Equal("TYPE_UINT64", controls["CORRID"].GetProperty("data_type").GetString());
        var state = sequences.GetProperty("state")[0];
        Assert.Equal("state", state.GetProperty("input_name").GetString());
        Assert.Equal("TYPE_FP32", state.GetProperty("data_type").GetString());
        Assert.Equal([2L, 3L], state.GetProperty("dims").EnumerateArray().Select(static d => d.GetInt64()));
        Assert.True(state.GetProperty("initial_state")[0].GetProperty("zero_data").GetBoolean());
        Assert.Equal(100, sequences.GetProperty("direct").GetProperty("max_queue_delay_microseconds").GetInt64());
        Assert.Equal(0.5f, sequences.GetProperty("direct").GetProperty("minimum_slot_utilization").GetSingle());
        Assert.False(sequences.TryGetProperty("oldest", out _));

        var method = new Method<ModelConfigRequest, ModelConfigResponse>(MethodType.Unary, "inference.GRPCInferenceService", "ModelConfig",
            Marshallers.Create(static m => Google.Protobuf.MessageExtensions.ToByteArray(m), ModelConfigRequest.Parser.ParseFrom),
            Marshallers.Create(static m => Google.Protobuf.MessageExtensions.ToByteArray(m), ModelConfigResponse.Parser.ParseFrom));
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var config = (await channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, new ModelConfigRequest { Name = Model })).Config;
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.SequenceBatching, config.SchedulingChoiceCase);
        Assert.Equal(5_000_000UL, config.SequenceBatching.MaxSequenceIdleMicroseconds);
        Assert.Equal(4, config.SequenceBatching.ControlInput.Count);
        Assert.Equal(ModelSequenceBatching.Types.Control.Types.Kind.ControlSequenceCorrid,
            config.SequenceBatching.ControlInput.Single(static c => c.Name == "CORRID").Control[0].Kind);
        Assert.Equal(DataType.TypeUint64, config.SequenceBatching.ControlInput.Single(static c => c.Name == "CORRID").Control[0].DataType);
        Assert.Equal([2L, 3L], config.SequenceBatching.State[0].Dims);
        Assert.Equal(0.5f, config.SequenceBatching.Direct.MinimumSlotUtilization);
    }

    [Fact]
    public async Task Oldest_in_tritons_shape_is_read_reported_and_its_candidate_limit_enforced()
    {
        var host = await StartAsync($$""" "max_batch_size": 4, "oldest": { "max_candidate_sequences": 2, "preferred_batch_size": [2, 4], "max_queue_delay_microseconds": 700, "preserve_ordering": true }, {{Controls}} """);
        using (var json = JsonDocument.Parse((await Wire.GetAsync(host.Http, $"/v2/models/{Model}/config")).Text))
        {
            var oldest = json.RootElement.GetProperty("sequence_batching").GetProperty("oldest");
            Assert.Equal(2, oldest.GetProperty("max_candidate_sequences").GetInt32());
            Assert.Equal([2, 4], oldest.GetProperty("preferred_batch_size").EnumerateArray().Select(static v => v.GetInt32()));
            Assert.Equal(700, oldest.GetProperty("max_queue_delay_microseconds").GetInt64());
            Assert.True(oldest.GetProperty("preserve_ordering").GetBoolean());
        }

        Assert.Equal(new[] { 2f, 2f, 2f }, Output<float>(await InferAsync(host, 1, 1, start: true), "y"));
        Assert.Equal(new[] { 4f, 4f, 4f }, Output<float>(await InferAsync(host, 2, 2, start: true), "y"));
        var third = await InferAsync(host, 3, 3, start: true);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.Status);
        Assert.Contains("2 sequences open", third.Error, StringComparison.Ordinal);
        Assert.Contains("sequence_batching.oldest.max_candidate_sequences = 2", third.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(""" "newest": { } """, "no field 'newest'. The scheduling strategies are Triton's 'oldest' and 'direct'")]
    [InlineData(""" "direct": { }, "oldest": { } """, "sets both 'direct' and 'oldest'")]
    [InlineData(""" "oldest": { "max_candidate_sequences": 4, "slots": 2 } """, "oldest has no field 'slots'")]
    [InlineData(""" "direct": { "minimum_slot_utilization": 2 } """, "minimum_slot_utilization must lie in [0, 1]")]
    [InlineData(""" "control_input": [ { "name": "START", "control": [ { "kind": "CONTROL_SEQUENCE_START", "fp32_false_true": [0, 1] } ] } ] """,
        "'START' (CONTROL_SEQUENCE_START) gives fp32_false_true (TYPE_FP32) but the model's input is INT32[-1,1]")]
    [InlineData(""" "control_input": [ { "name": "START", "control": [ { "kind": "CONTROL_SEQUENCE_START" } ] } ] """, "needs exactly one of int32_false_true")]
    [InlineData(""" "control_input": [ { "name": "START", "control": [ { "kind": "CONTROL_SEQUENCE_START", "int32_false_true": [1] } ] } ] """, "needs two entries")]
    [InlineData(""" "control_input": [ { "name": "CORRID", "control": [ { "kind": "CONTROL_SEQUENCE_CORRID" } ] } ] """, "CONTROL_SEQUENCE_CORRID needs data_type")]
    [InlineData(""" "control_input": [ { "name": "CORRID", "control": [ { "kind": "CONTROL_SEQUENCE_CORRID", "data_type": "TYPE_INT32" } ] } ] """, "gives data_type TYPE_INT32 but the model's input is UINT64[-1,1]")]
    [InlineData(""" "control_input": [ { "name": "GO", "control": [ { "kind": "CONTROL_SEQUENCE_START", "int32_false_true": [0, 1] } ] } ] """, "control_input 'GO' is not an input of the model")]
    [InlineData(""" "control_input": [ { "name": "x", "control": [ { "kind": "CONTROL_SEQUENCE_NEXT", "int32_false_true": [0, 1] } ] } ] """, "kind 'CONTROL_SEQUENCE_NEXT' is not one of")]
    [InlineData(""" "control_input": [ { "name": "x", "control": [ { "kind": "CONTROL_SEQUENCE_READY", "fp32_false_true": [0, 1] } ] } ] """, "a control tensor holds one value per batch row")]
    public async Task A_strategy_or_control_that_does_not_fit_fails_the_load_naming_it(string fields, string expected)
    {
        // The valid controls for the inputs a case does not name, so each case fails on its own field alone.
        using var parsed = JsonDocument.Parse($$"""{ {{fields}} }""");
        var own = parsed.RootElement.TryGetProperty("control_input", out var list) ? list.EnumerateArray().ToList() : [];
        var named = own.Select(static c => c.GetProperty("name").GetString()).ToHashSet();
        var kinds = own.Select(static c => c.GetProperty("control")[0].GetProperty("kind").GetString()).ToHashSet();
        using var valid = JsonDocument.Parse($$"""{ {{Controls}} }""");
        var rest = valid.RootElement.GetProperty("control_input").EnumerateArray()
            .Where(c => !named.Contains(c.GetProperty("name").GetString()) && !kinds.Contains(c.GetProperty("control")[0].GetProperty("kind").GetString()))
            .Select(static c => c.GetRawText());
        string controls = string.Join(", ", own.Select(static c => c.GetRawText()).Concat(rest));
        string others = string.Join(", ", parsed.RootElement.EnumerateObject().Where(static p => p.Name != "control_input").Select(static p => $"\"{p.Name}\": {p.Value.GetRawText()}"));
        string config = $$"""
            { "sequence_batching": {
                "state": [ { "input_name": "state", "output_name": "stateN", "batch_axis": 1, "dims": [2, 3] } ],
                "control_input": [ {{controls}} ]{{(others.Length > 0 ? ", " + others : string.Empty)}} } }
            """;
        using var repository = TestModels.NewRepository();
        repository.Add(Model, 1, ControlledAccumulator()).Config(Model, config);
        await using var host = await TestHost.StartAsync(o => o.RepositoryPath = repository.Root);
        var entry = Assert.Single(host.Server.GetRepositoryIndex(readyOnly: false));
        Assert.Equal("UNAVAILABLE", entry.State);
        Assert.Contains(expected, entry.Reason, StringComparison.Ordinal);
    }

    private static Task<RestAnswer> InferAsync(TestHost host, long id, float x, bool start, bool end = false)
    {
        var request = new InferenceRequest { Parameters = new() { ["sequence_id"] = ParameterValue.FromInt64(id), ["sequence_start"] = start, ["sequence_end"] = end } };
        request.Inputs.Add(new InferTensor("x", TensorValue.Create(new[] { x, x, x }, 1, 3)) { Binary = true });
        return Wire.InferAsync(host.Http, Model, request);
    }

    private static T[] Output<T>(RestAnswer answer, string name)
        where T : unmanaged
    {
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var output = answer.Response!.FindOutput(name) ?? throw new InvalidOperationException($"no {name}");
        return output.Value.Buffer.AsSpan<T>().ToArray();
    }
}
