using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.OnnxFormat;
using ModelKit.Reloading;

namespace ModelKit.Onnx.Tests;

/// <summary>Hot reload: a new session is built beside the old one and swapped atomically while callers keep calling; none fails.</summary>
public sealed class HotReloadTests
{
    /// <summary><c>y = x + k</c> on float[1,4]: the version is visible in every result.</summary>
    private static byte[] AddConstant(float k) => new OnnxGraphBuilder("add_constant")
        .AddInput("x", OnnxDataType.Float, [1, 4])
        .AddInitializer("k", [k], [])
        .AddNode("Add", ["x", "k"], ["y"])
        .AddOutput("y", OnnxDataType.Float, [1, 4])
        .ToBytes();

    private static OperationDescriptor Operation() => Ops.Operation("IAdder", "Add", [Ops.Input<float>("x", [1, 4])], [Ops.Output<float>("y", [1, 4])]);

    [Fact]
    public async Task Reloading_three_times_under_eight_busy_callers_fails_no_call_and_each_caller_sees_versions_in_order()
    {
        int built = 0;
        using var backend = new ReloadingBackend(() => TestModels.Load(AddConstant(Interlocked.Increment(ref built)), "adder"));
        using var runner = backend.Bind(Operation());
        using var stop = new CancellationTokenSource();
        var seen = new List<float>[8];
        var callers = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            var versions = seen[t] = [];
            float[] x = [t, t + 1, t + 2, t + 3];
            while (!stop.IsCancellationRequested)
            {
                var call = runner.Rent();
                try
                {
                    call.SetInput(0, x);
                    runner.Run(call);
                    var y = call.GetArray<float>(0);
                    float k = y[0] - x[0];
                    Assert.Equal(x.Select(v => v + k).ToArray(), y);
                    if (versions.Count == 0 || versions[^1] != k)
                    {
                        versions.Add(k);
                    }
                }
                finally
                {
                    runner.Return(call);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        for (int reload = 0; reload < 3; reload++)
        {
            await Task.Delay(150);
            backend.Reload();
        }

        await Task.Delay(150);
        stop.Cancel();
        await Task.WhenAll(callers); // any failed call fails the test here

        Assert.Equal(4, backend.Version);
        foreach (var versions in seen)
        {
            Assert.Equal(versions.OrderBy(static v => v), versions);
            Assert.Equal(4f, versions[^1]);
        }
    }

    [Fact]
    public async Task With_ReloadOnChange_replacing_the_model_file_swaps_the_session_and_a_broken_file_keeps_the_old_one()
    {
        string folder = Directory.CreateTempSubdirectory("modelkit-reload-").FullName;
        try
        {
            string path = Path.Combine(folder, "adder.onnx");
            await File.WriteAllBytesAsync(path, AddConstant(1));
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddOnnxRuntime().AddModel("adder", model =>
            {
                model.Path = path;
                model.ReloadOnChange = true;
                model.IntraOpThreads = 1;
            }));
            await using var provider = services.BuildServiceProvider();
            var backend = provider.GetRequiredService<ModelRegistry>().GetBackend("adder");
            using var runner = backend.Bind(Operation());

            Assert.Equal(1f, Run(runner));

            // Replace the file the way deployments do: write beside it, then move over it.
            string staged = Path.Combine(folder, "adder.onnx.new");
            await File.WriteAllBytesAsync(staged, AddConstant(5));
            File.Move(staged, path, overwrite: true);
            Assert.Equal(5f, await EventuallyAsync(runner, 5f));

            // A half-written or corrupt model does not replace the working one.
            await File.WriteAllBytesAsync(path, [1, 2, 3, 4, 5]);
            await Task.Delay(1200);
            Assert.Equal(5f, Run(runner));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float Run(OperationRunner runner)
    {
        var call = runner.Rent();
        try
        {
            call.SetInput(0, new float[] { 0, 0, 0, 0 });
            runner.Run(call);
            return call.GetArray<float>(0)[0];
        }
        finally
        {
            runner.Return(call);
        }
    }

    private static async Task<float> EventuallyAsync(OperationRunner runner, float expected)
    {
        float last = float.NaN;
        for (int i = 0; i < 100; i++)
        {
            last = Run(runner);
            if (last == expected)
            {
                return last;
            }

            await Task.Delay(50);
        }

        return last;
    }
}
