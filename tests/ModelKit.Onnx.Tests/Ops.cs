using ModelKit.Binding;

namespace ModelKit.Onnx.Tests;

/// <summary>Descriptors as generated code declares them, for tests that drive <see cref="OperationRunner"/> directly.</summary>
internal static class Ops
{
    public static TensorDescriptor Input<T>(string name, long[]? shape, string? member = null) =>
        new(name, TensorElementTypes.Of<T>(), shape, member ?? $"parameter '{name}'");

    public static TensorDescriptor Output<T>(string name, long[]? shape = null, string? member = null) =>
        new(name, TensorElementTypes.Of<T>(), shape, member ?? $"return '{name}'");

    public static OperationDescriptor Operation(string contract, string method, TensorDescriptor[] inputs, TensorDescriptor[] outputs) =>
        new(contract, method, inputs, outputs);

    /// <summary>One call of a one-input, one-output float operation, writing into <paramref name="y"/>.</summary>
    public static void RunInto(OperationRunner runner, float[] x, float[] y)
    {
        var call = runner.Rent();
        try
        {
            call.SetInput(0, x);
            call.SetOutput(0, y);
            runner.Run(call);
        }
        finally
        {
            runner.Return(call);
        }
    }

    /// <summary>The contract of the issue's <c>IDigitClassifier.Predict</c> over mnist.onnx.</summary>
    public static OperationDescriptor MnistPredict(string method = "Predict") => Operation("IDigitClassifier", method,
        [Input<float>("Input3", [1, 1, 28, 28], "DigitImage.Pixels")],
        [Output<float>("Plus214_Output_0", null, "DigitScores.Logits")]);
}
