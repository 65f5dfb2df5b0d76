using Microsoft.ML.OnnxRuntime;
using ModelKit.Binding;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>
/// Runs only where the native library carries CUDA (an app that swapped in Microsoft.ML.OnnxRuntime.Gpu on a machine
/// with a GPU); skips elsewhere, CI included, because the CPU package is what this repository ships with.
/// </summary>
public sealed class GpuTests
{
    [SkippableFact]
    public void On_CUDA_the_MNIST_logits_match_the_CPU_within_float_tolerance()
    {
        var available = OrtEnv.Instance().GetAvailableProviders();
        Skip.IfNot(available.Contains("CUDAExecutionProvider"),
            $"CUDA is not in this ONNX Runtime build (available: {string.Join(", ", available)}); swap in Microsoft.ML.OnnxRuntime.Gpu to run it.");
        string path = SharedData.Require("models/mnist.onnx");

        using var gpu = OnnxModelBackend.Load("mnist-gpu", path, new ModelOptions { Path = path, ExecutionProviders = ["cuda"], WarmupRuns = 2 });
        using var cpu = OnnxModelBackend.Load("mnist-cpu", path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        Assert.Equal(["cuda"], gpu.ExecutionProviders);

        var pixels = new float[784];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (i * 37) % 256;
        }

        var onGpu = Run(gpu, pixels);
        var onCpu = Run(cpu, pixels);
        for (int k = 0; k < 10; k++)
        {
            Assert.Equal(onCpu[k], onGpu[k], 0.01f);
        }
    }

    private static float[] Run(OnnxModelBackend backend, float[] pixels)
    {
        using var runner = backend.Bind(Ops.MnistPredict());
        var call = runner.Rent();
        try
        {
            call.SetInput(0, pixels);
            runner.Run(call);
            return call.GetArray<float>(0);
        }
        finally
        {
            runner.Return(call);
        }
    }
}
