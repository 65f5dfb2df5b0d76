using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModelKit.OnnxFormat;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Onnx.Tests.Conformance;

/// <summary>
/// ONNX's own backend test data run through ModelKit's untyped path on ONNX Runtime: every model of <c>simple/</c>,
/// <c>pytorch-converted/</c>, <c>pytorch-operator/</c> and <c>light/</c>, outputs compared with a tolerance.
/// Prints passed / failed / skipped (with reasons) and asserts a pass-rate floor measured on this build.
/// </summary>
public sealed class BackendConformanceTests(ITestOutputHelper output)
{
    /// <summary>
    /// Measured on ONNX Runtime 1.31.1 (CPU): 149 cases, 109 passed, 0 failed, 40 skipped (34 old-opset kernels ONNX Runtime dropped,
    /// 4 StringNormalizer locale, 2 training-domain Gradient). The floor leaves room for platform tolerance noise only.
    /// </summary>
    private const double PassRateFloor = 0.98;

    /// <summary>At least this many cases must pass, so that a growing skip list cannot hide a regression.</summary>
    private const int MinimumPassed = 105;

    [SkippableFact]
    public void Onnx_backend_test_data_passes_through_the_untyped_path()
    {
        string root = SharedData.Require("onnx-backend-data");
        var cases = BackendTestCase.Discover(root);
        Assert.True(cases.Count > 100, $"only {cases.Count} cases found under {root}");

        var stopwatch = Stopwatch.StartNew();
        var results = new ConcurrentBag<ConformanceResult>();
        Parallel.ForEach(
            cases.OrderByDescending(static c => new FileInfo(c.ModelPath).Length), // big ones first, for a shorter tail
            new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 4) },
            testCase => results.Add(ConformanceRunner.Run(testCase)));
        stopwatch.Stop();

        var ordered = results.OrderBy(static r => r.Case.Id, StringComparer.Ordinal).ToArray();
        string summary = Summarize(ordered, stopwatch.Elapsed);
        output.WriteLine(summary);
        WriteReport(summary);

        int passed = ordered.Count(static r => r.Outcome == ConformanceOutcome.Passed);
        int failed = ordered.Count(static r => r.Outcome == ConformanceOutcome.Failed);
        double rate = passed / (double)Math.Max(1, passed + failed);
        Assert.True(passed >= MinimumPassed, $"only {passed} cases passed (expected at least {MinimumPassed}).{Environment.NewLine}{summary}");
        Assert.True(rate >= PassRateFloor,
            $"pass rate {rate:P1} of {passed + failed} runnable cases is below the floor {PassRateFloor:P0}.{Environment.NewLine}{summary}");
    }

    [Fact]
    public void The_comparison_rejects_wrong_shapes_types_and_values_and_accepts_tolerance()
    {
        var expected = OnnxTensor.Create("y", [1f, 100f, float.NaN, 0f], 2, 2);
        Assert.Null(ConformanceRunner.Compare(TensorValue.Create(new[] { 1f, 100.05f, float.NaN, 5e-6f }, 2, 2), expected, 1e-3, 1e-5));
        Assert.Contains("outside tolerance", ConformanceRunner.Compare(TensorValue.Create(new[] { 1f, 100.2f, float.NaN, 0f }, 2, 2), expected, 1e-3, 1e-5));
        Assert.Contains("outside tolerance", ConformanceRunner.Compare(TensorValue.Create(new[] { 1f, 100f, 0f, 0f }, 2, 2), expected, 1e-3, 1e-5));
        Assert.Contains("shape", ConformanceRunner.Compare(TensorValue.Create(new[] { 1f, 100f, float.NaN, 0f }, 4), expected, 1e-3, 1e-5));
        Assert.Contains("element type", ConformanceRunner.Compare(TensorValue.Create(new[] { 1.0, 100, double.NaN, 0 }, 2, 2), expected, 1e-3, 1e-5));
        var ints = OnnxTensor.Create("i", [1L, 2L], 2);
        Assert.Null(ConformanceRunner.Compare(TensorValue.Create(new[] { 1L, 2L }, 2), ints, 1e-3, 1e-5));
        Assert.Contains("exactly", ConformanceRunner.Compare(TensorValue.Create(new[] { 1L, 3L }, 2), ints, 1e-3, 1e-5));
        var text = OnnxTensor.Create("s", ["a", "b"], 2);
        Assert.Contains("\"c\"", ConformanceRunner.Compare(TensorValue.Create(new[] { "a", "c" }, 2), text, 1e-3, 1e-5));
    }

    private static string Summarize(IReadOnlyList<ConformanceResult> results, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        int passed = results.Count(static r => r.Outcome == ConformanceOutcome.Passed);
        int failed = results.Count(static r => r.Outcome == ConformanceOutcome.Failed);
        int skipped = results.Count(static r => r.Outcome == ConformanceOutcome.Skipped);
        text.AppendLine(CultureInfo.InvariantCulture, $"ONNX backend conformance through DynamicModelClient: {results.Count} cases, {passed} passed, {failed} failed, {skipped} skipped; pass rate {passed / (double)Math.Max(1, passed + failed):P1} of runnable; {elapsed.TotalSeconds:F1} s");
        foreach (var suite in results.GroupBy(static r => r.Case.Suite).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {suite.Key}: {suite.Count(static r => r.Outcome == ConformanceOutcome.Passed)} passed, {suite.Count(static r => r.Outcome == ConformanceOutcome.Failed)} failed, {suite.Count(static r => r.Outcome == ConformanceOutcome.Skipped)} skipped");
        }

        text.AppendLine("Skipped, by reason:");
        foreach (var reason in results.Where(static r => r.Outcome == ConformanceOutcome.Skipped).GroupBy(static r => Category(r.Reason)).OrderByDescending(static g => g.Count()))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {reason.Count()} × {reason.Key}");
            foreach (var result in reason)
            {
                int bar = result.Reason.IndexOf(" | ", StringComparison.Ordinal);
                text.AppendLine(CultureInfo.InvariantCulture, $"      {result.Case.Id}{(bar < 0 ? string.Empty : ": " + result.Reason[(bar + 3)..])}");
            }
        }

        text.AppendLine(failed == 0 ? "Failures: none" : "Failures:");
        foreach (var result in results.Where(static r => r.Outcome == ConformanceOutcome.Failed))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {result.Case.Id}: {result.Reason}");
        }

        text.AppendLine("Slowest:");
        foreach (var result in results.OrderByDescending(static r => r.Elapsed).Take(5))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {result.Case.Id}: {result.Elapsed.TotalSeconds:F2} s");
        }

        return text.ToString();
    }

    private static string Category(string reason)
    {
        int bar = reason.IndexOf(" | ", StringComparison.Ordinal);
        return bar < 0 ? reason : reason[..bar];
    }

    private static void WriteReport(string summary)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "conformance");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "onnx-backend-conformance.txt"), summary);
    }
}
