using ModelKit.Binding;
using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests;

/// <summary>Scalars, strings, dynamic and symbolic dimensions, empty tensors, data-dependent output shapes, several inputs and outputs.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void Scalars_go_in_and_come_back_as_rank_0_tensors()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("a", OnnxDataType.Float, [])
            .AddInput("b", OnnxDataType.Int64, [])
            .AddNode("Cast", ["b"], ["bf"], OnnxAttribute.Int("to", (long)OnnxDataType.Float))
            .AddNode("Mul", ["a", "bf"], ["product"])
            .AddNode("Greater", ["product", "a"], ["bigger"])
            .AddOutput("product", OnnxDataType.Float, [])
            .AddOutput("bigger", OnnxDataType.Bool, [])
            .ToBytes());
        using var runner = backend.Bind(Ops.Operation("IScalars", "Multiply",
            [Ops.Input<float>("a", []), Ops.Input<long>("b", [])],
            [Ops.Output<float>("product", []), Ops.Output<bool>("bigger", [])]));

        foreach (var (a, b) in new[] { (2.5f, 4L), (-1.5f, 3L), (7f, 0L) })
        {
            var call = runner.Rent();
            try
            {
                call.SetScalar(0, a);
                call.SetScalar(1, b);
                runner.Run(call);
                Assert.Equal(a * b, call.GetScalar<float>(0));
                Assert.Equal(a * b > a, call.GetScalar<bool>(1));
                Assert.Empty(call.Outputs[0].Shape);
                Assert.Empty(call.Outputs[1].Shape);
            }
            finally
            {
                runner.Return(call);
            }
        }
    }

    [Fact]
    public void Strings_and_string_scalars_run_through_a_string_operator_with_their_shape()
    {
        // StringConcat (opset 20) broadcasts the scalar suffix over the vector.
        using var backend = TestModels.Load(new OnnxGraphBuilder { OpsetVersion = 20, IrVersion = 9 }
            .AddInput("text", OnnxDataType.String, [-1])
            .AddInput("word", OnnxDataType.String, [])
            .AddNode("StringConcat", ["text", "word"], ["upper"])
            .AddNode("Identity", ["word"], ["same"])
            .AddOutput("upper", OnnxDataType.String, [-1])
            .AddOutput("same", OnnxDataType.String, [])
            .ToBytes());
        using var runner = backend.Bind(Ops.Operation("IText", "Normalize",
            [Ops.Input<string>("text", [-1]), Ops.Input<string>("word", [])],
            [Ops.Output<string>("upper"), Ops.Output<string>("same")]));
        var call = runner.Rent();
        try
        {
            call.SetInput(0, new[] { "hello", "Wörld", "", "mixed Case 42" });
            call.SetScalar(1, "ünïcode ✓");
            runner.Run(call);
            Assert.Equal(["helloünïcode ✓", "Wörldünïcode ✓", "ünïcode ✓", "mixed Case 42ünïcode ✓"], call.GetArray<string>(0));
            Assert.Equal([4L], call.Outputs[0].Shape);
            Assert.Equal("ünïcode ✓", call.GetScalar<string>(1));
            Assert.Empty(call.Outputs[1].Shape);
        }
        finally
        {
            runner.Return(call);
        }
    }

    [Fact]
    public void A_dynamic_dimension_is_inferred_from_the_element_count_and_the_output_takes_the_symbolic_batch()
    {
        using var backend = TestModels.Load(TestModels.Linear());
        using var runner = backend.Bind(Ops.Operation("ILinear", "Predict", [Ops.Input<float>("x", [-1, 4])], [Ops.Output<float>("y")]));
        foreach (int rows in new[] { 1, 3, 1, 7 })
        {
            var x = Enumerable.Range(0, rows * 4).Select(static i => (float)((i % 7) - 3)).ToArray();
            var call = runner.Rent();
            try
            {
                call.SetInput(0, x);
                Assert.Equal([rows, 4L], call.Inputs[0].Shape);
                runner.Run(call);
                var y = call.GetTensor<float>(0);
                Assert.Equal([rows, 3L], y.GetShape());
                for (int r = 0; r < rows; r++)
                {
                    Assert.Equal(TestModels.LinearReference(x.AsSpan(r * 4, 4)), y.Span.Slice(r * 3, 3).ToArray());
                }
            }
            finally
            {
                runner.Return(call);
            }
        }
    }

    [Fact]
    public void An_output_that_does_not_honour_its_declared_symbolic_dimension_still_comes_back_with_its_real_shape()
    {
        // y is declared [N] like x but is really Concat(x, x): [2N]. The first run pre-allocates [N], ONNX Runtime
        // refuses it, and ModelKit falls back to letting ONNX Runtime allocate that output from then on.
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("x", OnnxDataType.Float, [-1], ["N"])
            .AddNode("Concat", ["x", "x"], ["y"], OnnxAttribute.Int("axis", 0))
            .AddOutput("y", OnnxDataType.Float, [-1], ["N"])
            .ToBytes());
        using var runner = backend.Bind(Ops.Operation("ILiar", "Twice", [Ops.Input<float>("x", [-1])], [Ops.Output<float>("y")]));
        foreach (int n in new[] { 3, 5, 3 })
        {
            var x = Enumerable.Range(1, n).Select(static i => (float)i).ToArray();
            var call = runner.Rent();
            try
            {
                call.SetInput(0, x);
                runner.Run(call);
                Assert.Equal([2L * n], call.Outputs[0].Shape);
                Assert.Equal(x.Concat(x).ToArray(), call.GetArray<float>(0));
            }
            finally
            {
                runner.Return(call);
            }
        }
    }

    [Fact]
    public void Two_symbolic_dimensions_resolve_from_the_declared_shape_and_the_count()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("x", OnnxDataType.Float, [-1, -1], ["batch", "sequence"])
            .AddInitializer("two", [2f], [])
            .AddNode("Mul", ["x", "two"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [-1, -1], ["batch", "sequence"])
            .ToBytes());
        Assert.Equal(["batch", "sequence"], backend.Signature.Inputs[0].DimensionNames!);

        // The contract fixes the batch to 2; the sequence length follows from the element count.
        using var runner = backend.Bind(Ops.Operation("ISeq", "Double", [Ops.Input<float>("x", [2, -1])], [Ops.Output<float>("y")]));
        var call = runner.Rent();
        try
        {
            call.SetInput(0, new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
            runner.Run(call);
            Assert.Equal([2L, 5L], call.Outputs[0].Shape);
            Assert.Equal([2f, 4, 6, 8, 10, 12, 14, 16, 18, 20], call.GetArray<float>(0));
        }
        finally
        {
            runner.Return(call);
        }
    }

    [Fact]
    public void An_output_whose_shape_depends_on_the_data_comes_back_with_its_shape()
    {
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("x", OnnxDataType.Float, [-1, 3])
            .AddNode("NonZero", ["x"], ["indices"])
            .AddOutput("indices", OnnxDataType.Int64, [2, -1], [null, "nnz"])
            .ToBytes());
        using var client = new DynamicModelClient(backend);
        var x = new float[] { 0, 5, 0, 7, 0, 9 };
        var output = client.Run([new NamedTensor("x", TensorValue.Create(x, 2, 3))]);
        Assert.Equal([2L, 3L], output[0].Value.Shape);
        Assert.Equal([0L, 1, 1, 1, 0, 2], output[0].Value.Buffer.AsSpan<long>().ToArray());

        var none = client.Run([new NamedTensor("x", TensorValue.Create(new float[6], 2, 3))]);
        Assert.Equal([2L, 0L], none[0].Value.Shape);
        Assert.Equal(0, none[0].Value.Buffer.Length);
    }

    [Fact]
    public void Empty_tensors_pass_through()
    {
        using var backend = TestModels.Load(TestModels.Identity(OnnxDataType.Float));
        using var client = new DynamicModelClient(backend);
        var output = client.Run([new NamedTensor("x", TensorValue.Create(Array.Empty<float>(), 0, 3))]);
        Assert.Equal([0L, 3L], output[0].Value.Shape);
        Assert.Equal(0, output[0].Value.Buffer.Length);
    }

    [Fact]
    public void A_stateful_model_threads_state_through_several_inputs_and_outputs()
    {
        using var backend = TestModels.Load(TestModels.StatefulAccumulator());
        using var runner = backend.Bind(Ops.Operation("IAccumulator", "Step",
            [Ops.Input<float>("state", [1, 4]), Ops.Input<float>("x", [1, 4])],
            [Ops.Output<float>("stateN"), Ops.Output<float>("total")]));
        var state = new float[4];
        float[][] steps = [[1, 2, 3, 4], [10, 0, -1, 0.5f], [-1, -2, -2, -4.5f]];
        float[] expected = new float[4];
        foreach (var x in steps)
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, state);
                call.SetInput(1, x);
                runner.Run(call);
                for (int i = 0; i < 4; i++)
                {
                    expected[i] += x[i];
                }

                state = call.GetArray<float>(0);
                Assert.Equal(expected, state);
                Assert.Equal(expected.Sum(), call.GetScalar<float>(1));
            }
            finally
            {
                runner.Return(call);
            }
        }

        // The outputs can also be asked for in another order, or only one of them.
        using var client = new DynamicModelClient(backend);
        var only = client.Run(
            [new NamedTensor("x", TensorValue.Create(new float[] { 1, 1, 1, 1 }, 1, 4)), new NamedTensor("state", TensorValue.Create(state, 1, 4))],
            ["total"]);
        Assert.Single(only);
        Assert.Equal(expected.Sum() + 4, only[0].Value.Buffer.AsSpan<float>()[0]);
    }

    [Fact]
    public void SetOutput_writes_into_caller_memory()
    {
        using var backend = TestModels.Load(TestModels.StatefulAccumulator());
        using var runner = backend.Bind(Ops.Operation("IAccumulator", "StepInto",
            [Ops.Input<float>("state", [1, 4]), Ops.Input<float>("x", [1, 4])],
            [Ops.Output<float>("stateN"), Ops.Output<float>("total")]));
        var state = new float[] { 1, 2, 3, 4 };
        var x = new float[] { 0.5f, 0.5f, 0.5f, 0.5f };
        var destination = new float[4];
        var total = new float[1];
        var slice = new float[10];
        for (int run = 1; run <= 3; run++)
        {
            var call = runner.Rent();
            try
            {
                call.SetInput(0, state);
                call.SetInput(1, x);
                call.SetOutput(0, destination);
                call.SetOutput(1, slice.AsMemory(3, 1));
                runner.Run(call);
            }
            finally
            {
                runner.Return(call);
            }

            Assert.Equal(state.Select(v => v + 0.5f).ToArray(), destination);
            Assert.Equal(destination.Sum(), slice[3]);
            Assert.Equal(0f, slice[2]);
            Assert.Equal(0f, slice[4]);
            (state, destination) = (destination, state);
        }

        var wrong = runner.Rent();
        try
        {
            var ex = Assert.Throws<TensorMismatchException>(() => wrong.SetOutput(0, new float[5]));
            Assert.Contains("stateN", ex.Message);
            Assert.Contains("5 elements", ex.Message);
        }
        finally
        {
            runner.Return(wrong);
        }
    }
}
