using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ModelKit.Binding;
using ModelKit.Onnx;
using ModelKit.Remote;

namespace ModelKit.Cli.Commands;

/// <summary>
/// <c>modelkit bench &lt;model.onnx | endpoint&gt;</c>: a load generator for sizing a deployment. N concurrent callers send
/// requests shaped from the model's signature (zero-filled, or the data given with <c>--input</c>: see <see cref="BenchInputs"/>) for a fixed time, through the same backends an app uses (local ONNX Runtime,
/// or a remote Open Inference Protocol server), and it prints throughput and p50/p90/p99 latency.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("target") { Description = "An .onnx file (runs in-process) or a server's base URL (http://host:port)." };
        var name = new Option<string?>("--name") { Description = "The model's name on the server (remote; default: the file name for local)." };
        var protocol = new Option<string>("--protocol") { Description = "rest-binary, rest-json or grpc (remote).", DefaultValueFactory = _ => "rest-binary" };
        var apiKey = new Option<string?>("--api-key") { Description = "API key for the server." };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent callers.", DefaultValueFactory = _ => 8 };
        var duration = new Option<int>("--duration", "-d") { Description = "Seconds to run.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "Rows per request where dimension 0 is dynamic.", DefaultValueFactory = _ => 1 };
        var intraOp = new Option<int>("--intra-op") { Description = "ONNX Runtime intra-op threads (local; 0 = default)." };
        var batching = new Option<int>("--dynamic-batching") { Description = "Local only: enable dynamic batching with this MaxBatchSize (0 = off)." };
        var input = new Option<string[]>("--input", "-i")
        {
            Description = "An input's data instead of zeros (repeatable): NAME=@FILE sends the file's bytes as each element of a BYTES input (e.g. an image), NAME=TEXT sends the text (BYTES) or fills a numeric input with the number.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("bench", "Load-test a model locally or on a server: throughput and p50/p90/p99 latency.")
        {
            target, name, protocol, apiKey, concurrency, duration, batch, intraOp, batching, input,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetRequiredValue(target), result.GetValue(name), result.GetValue(protocol)!, result.GetValue(apiKey),
            result.GetValue(concurrency), result.GetValue(duration), result.GetValue(batch), result.GetValue(intraOp), result.GetValue(batching),
            result.GetValue(input) ?? [], Console.Out, Console.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(string target, string? name, string protocol, string? apiKey, int concurrency, int seconds, int batch,
        int intraOp, int dynamicBatching, IReadOnlyList<string> inputData, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (concurrency < 1 || seconds < 1 || batch < 1)
        {
            error.WriteLine("modelkit bench: --concurrency, --duration and --batch must be at least 1.");
            return 2;
        }

        bool remote = Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
        if (!remote && !File.Exists(target))
        {
            error.WriteLine($"modelkit bench: '{target}' is neither an .onnx file nor an http(s) URL.");
            return 2;
        }

        if (remote && string.IsNullOrWhiteSpace(name))
        {
            error.WriteLine("modelkit bench: a remote target needs --name (the model's name on the server).");
            return 2;
        }

        string model = name ?? Path.GetFileNameWithoutExtension(target);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddModelKit(kit => kit.AddOnnxRuntime().AddRemote().AddModel(model, options =>
        {
            if (remote)
            {
                options.Endpoint = target;
                options.Protocol = protocol;
                options.ApiKey = apiKey;
            }
            else
            {
                options.Path = Path.GetFullPath(target);
                options.IntraOpThreads = intraOp;
                options.WarmupRuns = 1;
                if (dynamicBatching > 0)
                {
                    options.Batching = new BatchingOptions { MaxBatchSize = dynamicBatching, MaxQueueSize = Math.Max(1024, concurrency * 4) };
                }
            }
        }));

        await using var provider = services.BuildServiceProvider();
        IInferenceBackend backend;
        try
        {
            backend = provider.GetRequiredService<ModelRegistry>().GetBackend(model);
        }
        catch (ModelKitException ex)
        {
            error.WriteLine($"modelkit bench: {ex.Message}");
            return 1;
        }

        var inputs = BenchInputs.Create(backend.Signature, inputData, batch, out string? inputError);
        if (inputs is null)
        {
            error.WriteLine($"modelkit bench: {inputError}");
            return 2;
        }

        using var client = new DynamicModelClient(backend);
        output.WriteLine($"{backend.Description}");
        output.WriteLine($"inputs: {string.Join(", ", inputs.Select(i => BenchInputs.Describe(i, inputData)))}; {concurrency} callers, {seconds} s");

        try
        {
            await client.RunAsync(inputs, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ModelKitException ex)
        {
            error.WriteLine($"modelkit bench: the first request failed: {ex.Message}");
            return 1;
        }

        var result = await MeasureAsync(client, inputs, concurrency, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"requests/s {result.Throughput:F1}  rows/s {result.Throughput * batch:F1}  p50 {result.P50:F3} ms  p90 {result.P90:F3} ms  p99 {result.P99:F3} ms  errors {result.Errors}"));
        if (result.FirstError is not null)
        {
            output.WriteLine($"first error: {result.FirstError}");
        }

        return result.Errors == 0 ? 0 : 1;
    }

    internal static async Task<BenchResult> MeasureAsync(DynamicModelClient client, NamedTensor[] inputs, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[concurrency];
        long errors = 0;
        string? firstError = null;
        var stopwatch = Stopwatch.StartNew();
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            var list = latencies[w] = new List<double>(16_384);
            workers[w] = Task.Run(async () =>
            {
                while (stopwatch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
                {
                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        await client.RunAsync(inputs, cancellationToken: cancellationToken).ConfigureAwait(false);
                        list.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    catch (Exception ex) when (ex is ModelKitException or HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, ex.Message, null);
                    }
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        double elapsed = stopwatch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(static l => l).ToArray();
        Array.Sort(all);
        return new BenchResult(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), errors, firstError);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

internal readonly record struct BenchResult(double Throughput, double P50, double P90, double P99, long Errors, string? FirstError);
