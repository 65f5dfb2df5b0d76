using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ModelKit.Binding;
using ModelKit.OnnxFormat;
using ModelKit.Reloading;

namespace ModelKit.Onnx.Tests;

/// <summary>Hot reload: a new session is built beside the old one and swapped atomically while callers keep calling; none fails.</summary>
public sealed class HotReloadTests
{
    // ModelRegistry's log events for a file-triggered reload.
    private static readonly EventId ModelReloaded = new(2);
    private static readonly EventId ModelReloadFailed = new(3);

    private static OperationDescriptor Operation() => Ops.Operation("IAdder", "Add", [Ops.Input<float>("x", [1, 4])], [Ops.Output<float>("y", [1, 4])]);

    [Fact]
    public async Task Reloading_three_times_under_eight_busy_callers_fails_no_call_and_each_caller_sees_versions_in_order()
    {
        int built = 0;
        using var backend = new ReloadingBackend(() => TestModels.Load(TestModels.AddConstant(Interlocked.Increment(ref built)), "adder"));
        using var runner = backend.Bind(Operation());
        using var stop = new CancellationTokenSource();
        var seen = new List<float>[8];
        // sawVersion[v - 1] reaches zero once all eight callers were answered by version v.
        var sawVersion = Enumerable.Range(0, 4).Select(static _ => new CountdownEvent(8)).ToArray();
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
                        sawVersion[(int)k - 1].Signal();
                    }
                }
                finally
                {
                    runner.Return(call);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        // Each reload happens while all eight callers are busy on the current version, and only once each was answered by it.
        for (int reload = 0; reload < 3; reload++)
        {
            await AllCallersSawAsync(sawVersion[reload], callers);
            backend.Reload();
        }

        await AllCallersSawAsync(sawVersion[3], callers);
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
            await File.WriteAllBytesAsync(path, TestModels.AddConstant(1));
            var services = new ServiceCollection();
            services.AddModelKit(kit => kit.AddOnnxRuntime().AddModel("adder", model =>
            {
                model.Path = path;
                model.ReloadOnChange = true;
                model.IntraOpThreads = 1;
            }));
            services.AddFakeLogging();
            await using var provider = services.BuildServiceProvider();
            var logs = provider.GetFakeLogCollector();
            var backend = provider.GetRequiredService<ModelRegistry>().GetBackend("adder");
            using var runner = backend.Bind(Operation());

            Assert.Equal(1f, Run(runner));

            // Replace the file the way deployments do: write beside it, then move over it.
            string staged = Path.Combine(folder, "adder.onnx.new");
            await File.WriteAllBytesAsync(staged, TestModels.AddConstant(5));
            int before = logs.Count;
            File.Move(staged, path, overwrite: true);
            await NextLogAsync(logs, before, ModelReloaded);
            Assert.Equal(5f, Run(runner));

            // A half-written or corrupt model does not replace the working one: the watcher fires, the reload fails, 5 still answers.
            before = logs.Count;
            await File.WriteAllBytesAsync(path, [1, 2, 3, 4, 5]);
            var failed = await NextLogAsync(logs, before, ModelReloadFailed);
            Assert.Contains("'adder'", failed.Message, StringComparison.Ordinal);
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

    /// <summary>
    /// Waits, log record by log record, for the first record with <paramref name="eventId"/> written after the first
    /// <paramref name="after"/> records.
    /// </summary>
    private static async Task<FakeLogRecord> NextLogAsync(FakeLogCollector logs, int after, EventId eventId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var written = logs.GetLogsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        while (true)
        {
            var match = logs.GetSnapshot().Skip(after).FirstOrDefault(r => r.Id.Id == eventId.Id && r.Category == typeof(ModelRegistry).FullName);
            if (match is not null)
            {
                return match;
            }

            try
            {
                await written.MoveNextAsync();
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no log event {eventId.Id} within 30 s; logged: {string.Join(" | ", logs.GetSnapshot().Select(static r => $"{r.Id.Id} {r.Message}"))}");
            }
        }
    }

    private static async Task AllCallersSawAsync(CountdownEvent saw, Task[] callers)
    {
        var seen = Task.Run(() => saw.Wait(TimeSpan.FromSeconds(30)));
        var first = await Task.WhenAny(Task.WhenAny(callers), seen);
        if (first != seen)
        {
            await await Task.WhenAny(callers); // a caller failed: its exception fails the test
        }

        Assert.True(await seen, "not every caller was answered by the current version within 30 s");
    }
}
