using ModelKit.Samples.Mnist;
using ModelKit.Testing;

namespace ModelKit.Onnx.Tests;

/// <summary>One backend (one InferenceSession) shared by many threads gives every caller its own correct result.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Many_threads_on_one_runner_get_their_own_results()
    {
        using var backend = TestModels.Load(TestModels.Linear(), options: new ModelOptions { IntraOpThreads = 1 });
        using var runner = backend.Bind(Ops.Operation("ILinear", "Predict", [Ops.Input<float>("x", [-1, 4])], [Ops.Output<float>("y")]));
        using var client = new DynamicModelClient(backend);
        int failures = 0;
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = 0; i < 300; i++)
            {
                int rows = 1 + ((worker + i) % 4);
                var x = Enumerable.Range(0, rows * 4).Select(k => (float)((worker * 31) + (i * 7) + k) % 13).ToArray();
                var expected = Enumerable.Range(0, rows).SelectMany(r => TestModels.LinearReference(x.AsSpan(r * 4, 4))).ToArray();
                float[] actual;
                switch (i % 3)
                {
                    case 0:
                        var call = runner.Rent();
                        try
                        {
                            call.SetInput(0, x);
                            runner.Run(call);
                            actual = call.GetArray<float>(0);
                        }
                        finally
                        {
                            runner.Return(call);
                        }

                        break;
                    case 1:
                        var asyncCall = runner.Rent();
                        try
                        {
                            asyncCall.SetInput(0, x);
                            await runner.RunAsync(asyncCall);
                            actual = asyncCall.GetArray<float>(0);
                        }
                        finally
                        {
                            runner.Return(asyncCall);
                        }

                        break;
                    default:
                        actual = client.Run([new NamedTensor("x", TensorValue.Create(x, rows, 4))])[0].Value.Buffer.AsSpan<float>().ToArray();
                        break;
                }

                if (!expected.AsSpan().SequenceEqual(actual))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(0, failures);
    }

    [SkippableFact]
    public void Parallel_mnist_predictions_match_sequential_ones()
    {
        string path = SharedData.Require("models/mnist.onnx");
        var digits = MnistData.Digits.Value.Where((_, i) => i % 50 == 0).ToArray();
        using var backend = OnnxModelBackend.Load("mnist", path, new ModelOptions { Path = path, IntraOpThreads = 1 });
        using var runner = backend.Bind(Ops.MnistPredict());
        var pixels = digits.Select(static d => Mnist.Scale(d.Pixels)).ToArray();
        var sequential = pixels.Select(p => Mnist.Logits(runner, p)).ToArray();
        var parallel = new float[pixels.Length][];
        Parallel.For(0, pixels.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var logits = Mnist.Logits(runner, pixels[i % pixels.Length]);
            if (i >= pixels.Length * 3)
            {
                parallel[i % pixels.Length] = logits;
            }
            else
            {
                Assert.Equal(sequential[i % pixels.Length], logits);
            }
        });
        for (int i = 0; i < pixels.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }
    }
}
