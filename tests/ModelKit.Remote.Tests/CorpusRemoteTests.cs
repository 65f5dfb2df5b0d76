using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModelKit.Onnx;
using ModelKit.Onnx.Tests.Conformance;
using ModelKit.OnnxFormat;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Remote.Tests;

/// <summary>
/// ONNX's backend test data served by a real ModelKit server and run remotely: every model ONNX Runtime can load and run
/// locally is put in a repository, and its remote answer (REST binary for all; REST JSON and gRPC for every third) must equal
/// the local answer — bit for bit, or within the conformance tolerance where the two sessions round differently.
/// </summary>
public sealed class CorpusRemoteTests(ITestOutputHelper output)
{
    /// <summary>Measured: 149 cases, 109 runnable locally (ONNX Runtime 1.31.1, CPU); a floor below that catches a shrinking corpus.</summary>
    private const int MinimumCompared = 100;

    [SkippableFact]
    public async Task The_onnx_backend_corpus_gives_the_same_answers_remotely()
    {
        string root = SharedData.Require("onnx-backend-data");
        var stopwatch = Stopwatch.StartNew();
        var cases = BackendTestCase.Discover(root);
        using var repository = new TempRepository();
        var runnable = new List<(string Model, BackendTestCase Case, NamedTensor[] Inputs, IReadOnlyList<NamedTensor> Expected)>();
        var skipped = new List<string>();
        foreach (var testCase in cases)
        {
            var prepared = PrepareLocally(testCase, out string? reason);
            if (prepared is null)
            {
                skipped.Add($"{testCase.Id}: {reason}");
                continue;
            }

            string model = "c" + runnable.Count.ToString("D3", CultureInfo.InvariantCulture);
            repository.AddFile(model, 1, testCase.ModelPath).Config(model, """{ "options": { "IntraOpThreads": 1, "WarmupRuns": 0 } }""");
            runnable.Add((model, testCase, prepared.Value.Inputs, prepared.Value.Outputs));
        }

        TimeSpan localElapsed = stopwatch.Elapsed;
        await using var host = await TestHost.StartAsync(o =>
        {
            o.RepositoryPath = repository.Root;
            o.WarmupRuns = 0;
        });
        TimeSpan serverStart = stopwatch.Elapsed - localElapsed;

        int exact = 0, tolerant = 0, compared = 0;
        var failures = new List<string>();
        var perProtocol = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < runnable.Count; i++)
        {
            var (model, testCase, inputs, expected) = runnable[i];
            var protocols = i % 3 == 0 ? Clients.Protocols : ["rest-binary"];
            foreach (var protocol in protocols)
            {
                compared++;
                perProtocol[protocol] = perProtocol.GetValueOrDefault(protocol) + 1;
                try
                {
                    var (services, backend) = Clients.Remote(model, host.EndpointFor(protocol), protocol);
                    using (services)
                    {
                        using var client = new DynamicModelClient(backend);
                        var actual = await client.RunAsync(inputs);
                        switch (Compare(expected, actual, testCase))
                        {
                            case null:
                                exact++;
                                break;
                            case { Length: 0 }:
                                tolerant++;
                                break;
                            case var problem:
                                failures.Add($"{testCase.Id} over {protocol}: {problem}");
                                break;
                        }
                    }
                }
                catch (ModelKitException ex)
                {
                    failures.Add($"{testCase.Id} over {protocol}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"ONNX backend corpus, remote vs local: {cases.Count} cases, {runnable.Count} runnable locally, {skipped.Count} skipped; {compared} remote runs ({string.Join(", ", perProtocol.Select(static p => $"{p.Key} {p.Value}"))}): {exact} bit-identical, {tolerant} within tolerance, {failures.Count} different.");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"Time: local preparation {localElapsed.TotalSeconds:F1} s, server start (loading {runnable.Count} models) {serverStart.TotalSeconds:F1} s, total {stopwatch.Elapsed.TotalSeconds:F1} s.");
        report.AppendLine("Skipped (not runnable locally, so not served):");
        foreach (var line in skipped)
        {
            report.AppendLine("  " + line);
        }

        report.AppendLine(failures.Count == 0 ? "Differences: none" : "Differences:");
        foreach (var line in failures)
        {
            report.AppendLine("  " + line);
        }

        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, report.ToString());
        Assert.True(runnable.Count >= MinimumCompared, $"only {runnable.Count} cases were runnable locally.{Environment.NewLine}{report}");
    }

    /// <summary>Loads and runs a case locally; null (with the reason) when ONNX Runtime or ModelKit cannot run it.</summary>
    private static (NamedTensor[] Inputs, IReadOnlyList<NamedTensor> Outputs)? PrepareLocally(BackendTestCase testCase, out string? reason)
    {
        reason = null;
        OnnxModelBackend backend;
        try
        {
            backend = OnnxModelBackend.Load(testCase.Name, testCase.ModelPath, new ModelOptions { Path = testCase.ModelPath, IntraOpThreads = 1 });
        }
        catch (ModelLoadException ex)
        {
            reason = "ONNX Runtime cannot load it: " + FirstLine(ex.InnerException?.Message ?? ex.Message);
            return null;
        }

        using (backend)
        {
            var signature = backend.Signature;
            if (signature.Inputs.Concat(signature.Outputs).FirstOrDefault(static t => !BackendTestCase.IsCarried(t.ElementType)) is { } odd)
            {
                reason = $"element type ModelKit does not carry: {odd.Name} is {TensorElementTypes.OnnxName(odd.ElementType)}";
                return null;
            }

            NamedTensor[] inputs;
            if (testCase.GeneratedInput)
            {
                inputs = signature.Inputs.Select(static i => new NamedTensor(i.Name, BackendTestCase.ArangeInput(i))).ToArray();
            }
            else
            {
                var files = testCase.InputFiles.Select(OnnxTensorProtoReader.ReadFile).ToArray();
                if (files.FirstOrDefault(static t => !BackendTestCase.IsCarried((TensorElementType)(int)t.DataType)) is { } oddInput)
                {
                    reason = $"element type ModelKit does not carry: input is {OnnxDataTypes.Name(oddInput.DataType)}";
                    return null;
                }

                inputs = new NamedTensor[files.Length];
                for (int i = 0; i < files.Length; i++)
                {
                    string name = signature.FindInput(files[i].Name) is not null ? files[i].Name
                        : i < signature.Inputs.Count ? signature.Inputs[i].Name
                        : files[i].Name;
                    inputs[i] = new NamedTensor(name, BackendTestCase.ToTensorValue(files[i]));
                }
            }

            try
            {
                using var client = new DynamicModelClient(backend);
                return (inputs, client.Run(inputs));
            }
            catch (ModelKitException ex)
            {
                reason = "does not run locally: " + FirstLine(ex.Message);
                return null;
            }
        }
    }

    /// <summary>Null when bit-identical; empty when within tolerance; else what differs.</summary>
    private static string? Compare(IReadOnlyList<NamedTensor> expected, IReadOnlyList<NamedTensor> actual, BackendTestCase testCase)
    {
        if (expected.Count != actual.Count)
        {
            return $"{actual.Count} outputs, expected {expected.Count}";
        }

        bool allExact = true;
        for (int o = 0; o < expected.Count; o++)
        {
            var e = expected[o].Value;
            var a = actual[o].Value;
            if (expected[o].Name != actual[o].Name || e.ElementType != a.ElementType || !e.Shape.AsSpan().SequenceEqual(a.Shape))
            {
                return $"output {o}: {actual[o].Name} {a}, expected {expected[o].Name} {e}";
            }

            bool same = e.ElementType == TensorElementType.String
                ? e.Buffer.AsSpan<string>().SequenceEqual(a.Buffer.AsSpan<string>())
                : e.Buffer.AsBytes().SequenceEqual(a.Buffer.AsBytes());
            if (same)
            {
                continue;
            }

            allExact = false;
            if (e.ElementType is not (TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16 or TensorElementType.BFloat16))
            {
                return $"output {o} '{actual[o].Name}': {TensorElementTypes.OnnxName(e.ElementType)} elements differ";
            }

            var ev = AsDoubles(e);
            var av = AsDoubles(a);
            for (int i = 0; i < ev.Length; i++)
            {
                bool close = double.IsNaN(ev[i]) ? double.IsNaN(av[i]) : ev[i] == av[i] || Math.Abs(ev[i] - av[i]) <= testCase.AbsoluteTolerance + (testCase.RelativeTolerance * Math.Abs(ev[i]));
                if (!close)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"output {o} '{actual[o].Name}' element {i}: {av[i]:G9}, locally {ev[i]:G9}");
                }
            }
        }

        return allExact ? null : string.Empty;
    }

    private static double[] AsDoubles(TensorValue value) => value.ElementType switch
    {
        TensorElementType.Float => value.Buffer.AsSpan<float>().ToArray().Select(static v => (double)v).ToArray(),
        TensorElementType.Double => value.Buffer.AsSpan<double>().ToArray(),
        TensorElementType.Float16 => value.Buffer.AsSpan<Half>().ToArray().Select(static v => (double)v).ToArray(),
        _ => value.Buffer.AsSpan<BFloat16>().ToArray().Select(static v => (double)v.ToSingle()).ToArray(),
    };

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        string line = newline < 0 ? message : message[..newline];
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
