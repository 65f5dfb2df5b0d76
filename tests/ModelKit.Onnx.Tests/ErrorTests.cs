using ModelKit.Binding;
using ModelKit.OnnxFormat;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>Bad input, contracts that disagree with the model, missing files and unavailable execution providers.</summary>
public sealed class ErrorTests
{
    [SkippableFact]
    public void Wrong_element_count_names_contract_member_tensor_expected_and_actual()
    {
        using var backend = OnnxModelBackend.Load("mnist", SharedData.Require("models/mnist.onnx"));
        using var runner = backend.Bind(Ops.MnistPredict());
        var call = runner.Rent();
        try
        {
            var ex = Assert.Throws<TensorMismatchException>(() => call.SetInput(0, new float[783]));
            Assert.Equal("IDigitClassifier.Predict", ex.Contract);
            Assert.Equal("DigitImage.Pixels", ex.Member);
            Assert.Equal("Input3", ex.Tensor);
            Assert.Contains("[1,1,28,28]", ex.Expected);
            Assert.Contains("784", ex.Expected);
            Assert.Equal("783 elements", ex.Actual);
            foreach (var part in new[] { "IDigitClassifier.Predict", "DigitImage.Pixels", "Input3", "[1,1,28,28]", "783 elements" })
            {
                Assert.Contains(part, ex.Message);
            }
        }
        finally
        {
            runner.Return(call);
        }
    }

    [SkippableFact]
    public void Wrong_shape_wrong_type_and_missing_input_are_caught_before_native_code_runs()
    {
        using var backend = OnnxModelBackend.Load("mnist", SharedData.Require("models/mnist.onnx"));
        using var client = new DynamicModelClient(backend);

        var shape = Assert.Throws<TensorMismatchException>(() => client.Run([new NamedTensor("Input3", TensorValue.Create(new float[784], 1, 784))]));
        Assert.Equal("Input3", shape.Tensor);
        Assert.Contains("[1,1,28,28]", shape.Expected);
        Assert.Contains("[1,784]", shape.Actual);

        var fixedDim = Assert.Throws<TensorMismatchException>(() => client.Run([new NamedTensor("Input3", TensorValue.Create(new float[1568], 2, 1, 28, 28))]));
        Assert.Contains("[2,1,28,28]", fixedDim.Message);

        var count = Assert.Throws<TensorMismatchException>(() => client.Run([new NamedTensor("Input3", TensorValue.Create(new float[700], 1, 1, 28, 28))]));
        Assert.Contains("784 elements", count.Expected);
        Assert.Contains("700 elements", count.Actual);

        using var runner = backend.Bind(Ops.MnistPredict());
        var call = runner.Rent();
        try
        {
            var type = Assert.Throws<TensorMismatchException>(() => call.SetInput(0, new double[784]));
            Assert.Equal(TensorElementTypes.OnnxName(TensorElementType.Float), type.Expected);
            Assert.Equal(TensorElementTypes.OnnxName(TensorElementType.Double), type.Actual);
            Assert.Contains("IDigitClassifier.Predict", type.Message);

            var missing = Assert.Throws<TensorMismatchException>(() => runner.Run(call));
            Assert.Equal("Input3", missing.Tensor);
            Assert.Equal("DigitImage.Pixels", missing.Member);
            Assert.Equal("null", missing.Actual);
            Assert.Contains($"{TensorElementTypes.OnnxName(TensorElementType.Float)} tensor of shape [1,1,28,28]", missing.Expected);

            var nullArray = Assert.Throws<TensorMismatchException>(() => call.SetInput<float>(0, (float[]?)null));
            Assert.Equal("null", nullArray.Actual);
        }
        finally
        {
            runner.Return(call);
        }
    }

    [SkippableFact]
    public void A_contract_naming_a_tensor_the_model_lacks_fails_at_bind_with_the_models_signature()
    {
        using var backend = OnnxModelBackend.Load("mnist", SharedData.Require("models/mnist.onnx"));
        var wrong = Ops.Operation("IDigitClassifier", "Predict",
            [Ops.Input<float>("Input4", [1, 1, 28, 28], "DigitImage.Pixels")],
            [Ops.Output<long>("Plus214_Output_0", null, "DigitScores.Logits"), Ops.Output<float>("Probabilities", null, "DigitScores.Probabilities")]);

        var ex = Assert.Throws<ModelContractMismatchException>(() => backend.Bind(wrong));

        Assert.Equal("mnist", ex.Model);
        Assert.Same(backend.Signature, ex.Signature);
        Assert.Equal("Input3", Assert.Single(ex.Signature.Inputs).Name);
        Assert.Contains("Input4", ex.Message);
        Assert.Contains("did you mean 'Input3'", ex.Message);
        Assert.Contains("Probabilities", ex.Message);
        Assert.Contains("DigitScores.Logits is long", ex.Message);
        Assert.Contains("requires input 'Input3'", ex.Message);
        string floatName = TensorElementTypes.OnnxName(TensorElementType.Float);
        Assert.Contains($"Input3: {floatName}[1,1,28,28]", ex.Message);
        Assert.Contains($"Plus214_Output_0: {floatName}[1,10]", ex.Message);
    }

    [Fact]
    public void A_missing_model_file_throws_ModelLoadException()
    {
        string path = Path.Combine(Path.GetTempPath(), $"modelkit-missing-{Guid.NewGuid():N}.onnx");
        var ex = Assert.Throws<ModelLoadException>(() => OnnxModelBackend.Load("ghost", path));
        Assert.Equal("ghost", ex.Model);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Bytes_that_are_not_a_model_throw_ModelLoadException()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxModelBackend.Load("junk", "definitely not onnx"u8.ToArray()));
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void Cuda_alone_on_the_CPU_build_throws_ExecutionProviderUnavailableException_naming_the_GPU_package()
    {
        var options = new ModelOptions { ExecutionProviders = ["cuda"] };
        var ex = Assert.Throws<ExecutionProviderUnavailableException>(() => OnnxModelBackend.Load("gpu", TestModels.Linear(), options));
        Assert.Equal("cuda", ex.Provider);
        Assert.Contains("CPUExecutionProvider", ex.Available);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", ex.Message);
    }

    [Fact]
    public void Cuda_then_cpu_falls_back_to_the_CPU()
    {
        var options = new ModelOptions { ExecutionProviders = ["cuda", "cpu"], IntraOpThreads = 1 };
        using var backend = OnnxModelBackend.Load("fallback", TestModels.Linear(), options);
        Assert.Equal(["cpu"], backend.ExecutionProviders);
        Assert.Contains("cpu", backend.Description);
        using var client = new DynamicModelClient(backend);
        var x = new float[] { 1, 2, 3, 4 };
        var y = client.Run([new NamedTensor("x", TensorValue.Create(x, 1, 4))]);
        Assert.Equal(TestModels.LinearReference(x), y[0].Value.Buffer.AsSpan<float>().ToArray());
    }

    [Fact]
    public void An_unknown_provider_name_is_a_load_error()
    {
        var ex = Assert.Throws<ModelLoadException>(() => OnnxModelBackend.Load("odd", TestModels.Linear(), new ModelOptions { ExecutionProviders = ["warp-drive"] }));
        Assert.Contains("warp-drive", ex.Message);
    }

    [Fact]
    public void A_native_failure_during_a_run_is_a_ModelExecutionException()
    {
        // Reshape to a shape that cannot hold the data: only ONNX Runtime can tell.
        using var backend = TestModels.Load(new OnnxGraphBuilder()
            .AddInput("x", OnnxDataType.Float, [-1])
            .AddInitializer("shape", [3L, 3L], 2)
            .AddNode("Reshape", ["x", "shape"], ["y"])
            .AddOutput("y", OnnxDataType.Float, [3, 3])
            .ToBytes(), "reshape");
        using var client = new DynamicModelClient(backend);
        var ex = Assert.Throws<ModelExecutionException>(() => client.Run([new NamedTensor("x", TensorValue.Create(new float[4], 4))]));
        Assert.Equal("reshape", ex.Model);

        // The runner still works afterwards.
        var ok = client.Run([new NamedTensor("x", TensorValue.Create(Enumerable.Range(0, 9).Select(static i => (float)i).ToArray(), 9))]);
        Assert.Equal([3L, 3L], ok[0].Value.Shape);
        Assert.Equal(8f, ok[0].Value.Buffer.AsSpan<float>()[8]);
    }
}
