using ModelKit.Binding;

namespace ModelKit.Tests;

public class BindingTests
{
    private static readonly ModelSignature Mnist = new(
        [new TensorInfo("Input3", TensorElementType.Float, [1, 1, 28, 28])],
        [new TensorInfo("Plus214_Output_0", TensorElementType.Float, [1, 10])]);

    private static readonly ModelSignature Batched = new(
        [new TensorInfo("x", TensorElementType.Float, [-1, 3], ["N", null])],
        [new TensorInfo("y", TensorElementType.Float, [-1, 2], ["N", null])]);

    [Fact]
    public void A_matching_contract_binds_and_takes_the_model_shape_where_it_declares_none()
    {
        var bound = BoundOperation.Bind(Operation(new("Input3", TensorElementType.Float, null, "parameter 'pixels'"), new("Plus214_Output_0", TensorElementType.Float, null, "return value")), "mnist", Mnist);
        Assert.Equal([1L, 1, 28, 28], bound.Inputs[0].Shape);
        Assert.Equal([1L, 10], bound.Outputs[0].Shape);
        Assert.False(bound.CanStack);
    }

    [Fact]
    public void Mismatches_are_all_reported_with_the_models_signature()
    {
        var ex = Assert.Throws<ModelContractMismatchException>(() => BoundOperation.Bind(
            Operation(new("Input", TensorElementType.Int64, [1, 784], "DigitImage.Pixels"), new("Plus214_Output_O", TensorElementType.Float, null, "DigitScores.Logits")),
            "mnist", Mnist));
        Assert.Contains("DigitImage.Pixels names input 'Input', which the model does not have (did you mean 'Input3'?)", ex.Message);
        Assert.Contains("?). The model requires input 'Input3'", ex.Message); // each problem is a sentence
        Assert.DoesNotContain(". the model", ex.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'Plus214_Output_0'", ex.Message);
        Assert.Contains("inputs: Input3: FLOAT[1,1,28,28]; outputs: Plus214_Output_0: FLOAT[1,10]", ex.Message);
        Assert.Equal("IDigitClassifier.Predict", ex.Contract);
    }

    [Fact]
    public void Wrong_element_type_and_fixed_dimension_are_reported()
    {
        var ex = Assert.Throws<ModelContractMismatchException>(() => BoundOperation.Bind(
            Operation(new("Input3", TensorElementType.Int64, [1, 1, 28, 27], "DigitImage.Pixels"), new("Plus214_Output_0", TensorElementType.Float, null, "DigitScores.Logits")),
            "mnist", Mnist));
        Assert.Contains("DigitImage.Pixels is long but input 'Input3' is FLOAT (float)", ex.Message);
        Assert.Contains("dimension 3 = 27 but input 'Input3' has 28", ex.Message);
    }

    [Fact]
    public void Wrong_element_count_names_contract_member_tensor_and_shapes()
    {
        var bound = BoundOperation.Bind(Operation(new("Input3", TensorElementType.Float, [1, 1, 28, 28], "DigitImage.Pixels"), new("Plus214_Output_0", TensorElementType.Float, null, "DigitScores.Logits")), "mnist", Mnist);
        var call = new InferenceCall(bound);
        var ex = Assert.Throws<TensorMismatchException>(() => call.SetInput(0, new float[100]));
        Assert.Equal("IDigitClassifier.Predict: DigitImage.Pixels (tensor 'Input3') expected shape [1,1,28,28] (784 elements) but got 100 elements.", ex.Message);
        Assert.Equal("Input3", ex.Tensor);
        Assert.Equal("DigitImage.Pixels", ex.Member);
    }

    [Fact]
    public void Null_and_missing_inputs_are_reported_before_running()
    {
        var bound = BoundOperation.Bind(Operation(new("Input3", TensorElementType.Float, null, "DigitImage.Pixels"), new("Plus214_Output_0", TensorElementType.Float, null, "DigitScores.Logits")), "mnist", Mnist);
        var call = new InferenceCall(bound);
        var ex = Assert.Throws<TensorMismatchException>(() => call.SetInput<float>(0, (float[]?)null));
        Assert.Contains("got null", ex.Message);
        Assert.Throws<TensorMismatchException>(call.EnsureInputs);
    }

    [Fact]
    public void Untyped_inputs_are_checked_for_type_count_and_shape()
    {
        var bound = BoundOperation.Bind(Operation(new("x", TensorElementType.Float, null, "input 'x'"), new("y", TensorElementType.Float, null, "output 'y'")), "m", Batched);
        var call = new InferenceCall(bound);
        call.SetInput(0, TensorValue.Create(new float[6], 2, 3));
        Assert.Throws<TensorMismatchException>(() => call.SetInput(0, TensorValue.Create(new float[6], 3, 2)));
        Assert.Throws<TensorMismatchException>(() => call.SetInput(0, TensorValue.Create(new float[5], 2, 3)));
        Assert.Throws<TensorMismatchException>(() => call.SetInput(0, TensorValue.Create(new double[6], 2, 3)));
    }

    [Fact]
    public void Stacking_copies_rows_in_order_and_slices_outputs_back()
    {
        var bound = BoundOperation.Bind(Operation(new("x", TensorElementType.Float, [1, 3], "X.Values"), new("y", TensorElementType.Float, null, "Y.Values")), "m", Batched);
        Assert.True(bound.CanStack);
        var calls = new List<InferenceCall>();
        for (int k = 0; k < 3; k++)
        {
            var call = new InferenceCall(bound);
            call.SetInput(0, new float[] { k, k + 0.5f, k + 0.25f });
            calls.Add(call);
        }

        var destination = new float[2];
        calls[1].SetOutput<float>(0, destination);
        Assert.True(TensorStacker.CanStack(bound, calls));
        var stacked = new InferenceCall(bound);
        TensorStacker.Stack(calls, stacked);
        Assert.Equal([3L, 3], stacked.Inputs[0].Shape);
        Assert.Equal(new float[] { 0, 0.5f, 0.25f, 1, 1.5f, 1.25f, 2, 2.5f, 2.25f }, stacked.Inputs[0].Buffer.AsSpan<float>().ToArray());

        // Pretend the model computed y[n] = [x[n,0], x[n,1]].
        var y = new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f };
        stacked.Outputs[0] = TensorValue.Create(y, 3, 2);
        TensorStacker.Unstack(stacked, calls);
        Assert.Equal(new float[] { 0, 0.5f }, calls[0].GetArray<float>(0));
        Assert.Equal(new float[] { 1, 1.5f }, destination);
        Assert.Equal([1L, 2], calls[2].Outputs[0].Shape);
        Assert.Equal(new float[] { 2, 2.5f }, calls[2].GetArray<float>(0));
    }

    [Fact]
    public void Calls_with_different_trailing_shapes_do_not_stack()
    {
        var bound = BoundOperation.Bind(Operation(new("x", TensorElementType.Float, [-1, 3], "X.Values"), new("y", TensorElementType.Float, null, "Y.Values")), "m", Batched);
        var a = new InferenceCall(bound);
        a.SetInput(0, new float[3]);
        var b = new InferenceCall(bound);
        b.SetInput(0, new float[6]);
        Assert.True(TensorStacker.CanStack(bound, [a, b]));
        Assert.False(TensorStacker.CanStack(BoundOperation.Bind(Operation(new("Input3", TensorElementType.Float, null, "p"), new("Plus214_Output_0", TensorElementType.Float, null, "r")), "mnist", Mnist), [a, b]));
    }

    private static OperationDescriptor Operation(TensorDescriptor input, TensorDescriptor output) =>
        new("IDigitClassifier", "Predict", [input], [output]);
}
