using System.Diagnostics;
using System.Globalization;
using ModelKit.OnnxFormat;

namespace ModelKit.Onnx.Tests.Conformance;

/// <summary>How one backend test case ended.</summary>
internal enum ConformanceOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>The result of one case: its outcome, why (for failures and skips), and how long it took.</summary>
internal sealed record ConformanceResult(BackendTestCase Case, ConformanceOutcome Outcome, string Reason, TimeSpan Elapsed);

/// <summary>Runs ONNX backend test cases through ModelKit's untyped path (<see cref="DynamicModelClient"/>) on ONNX Runtime.</summary>
internal static class ConformanceRunner
{
    public const string SkipOldOpset = "unsupported by ONNX Runtime's CPU build: no kernel for this operator version (ONNX Runtime dropped opsets before 7)";
    public const string SkipUnregisteredOp = "unsupported by ONNX Runtime: operator not registered (training/preview domain)";
    public const string SkipLocale = "environment: StringNormalizer needs the en_US.UTF-8 locale, which this machine lacks";
    public const string SkipRuntime = "ONNX Runtime could not load the model";
    public const string SkipNonTensor = "non-tensor input or output (sequence, map or optional)";
    public const string SkipElementType = "element type ModelKit does not carry";

    public static ConformanceResult Run(BackendTestCase testCase)
    {
        var stopwatch = Stopwatch.StartNew();
        var (outcome, reason) = RunCore(testCase);
        return new ConformanceResult(testCase, outcome, reason, stopwatch.Elapsed);
    }

    private static (ConformanceOutcome, string) RunCore(BackendTestCase testCase)
    {
        OnnxModelBackend backend;
        try
        {
            backend = OnnxModelBackend.Load(testCase.Name, testCase.ModelPath, new ModelOptions { Path = testCase.ModelPath, IntraOpThreads = 1 });
        }
        catch (ModelLoadException ex)
        {
            string message = FirstLine(ex.InnerException?.Message ?? ex.Message);
            string category = message.Contains("NotImplemented", StringComparison.Ordinal) ? SkipOldOpset
                : message.Contains("is not a registered function/op", StringComparison.Ordinal) ? SkipUnregisteredOp
                : message.Contains("Failed to construct locale", StringComparison.Ordinal) ? SkipLocale
                : SkipRuntime;
            return (ConformanceOutcome.Skipped, $"{category} | {message}");
        }

        using (backend)
        {
            var signature = backend.Signature;
            if (signature.Inputs.Concat(signature.Outputs).Any(static t => t.ElementType == TensorElementType.Undefined))
            {
                return (ConformanceOutcome.Skipped, SkipNonTensor);
            }

            if (signature.Inputs.Concat(signature.Outputs).FirstOrDefault(static t => !BackendTestCase.IsCarried(t.ElementType)) is { } odd)
            {
                return (ConformanceOutcome.Skipped, $"{SkipElementType}: {odd.Name} is {TensorElementTypes.OnnxName(odd.ElementType)}");
            }

            var expected = testCase.OutputFiles.Select(OnnxTensorProtoReader.ReadFile).ToArray();
            if (expected.FirstOrDefault(static t => !BackendTestCase.IsCarried((TensorElementType)(int)t.DataType)) is { } oddOutput)
            {
                return (ConformanceOutcome.Skipped, $"{SkipElementType}: expected output is {OnnxDataTypes.Name(oddOutput.DataType)}");
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
                    return (ConformanceOutcome.Skipped, $"{SkipElementType}: input is {OnnxDataTypes.Name(oddInput.DataType)}");
                }

                inputs = new NamedTensor[files.Length];
                for (int i = 0; i < files.Length; i++)
                {
                    // The .pb's name when it names a model input, else the model's i-th input.
                    string name = signature.FindInput(files[i].Name) is not null ? files[i].Name
                        : i < signature.Inputs.Count ? signature.Inputs[i].Name
                        : files[i].Name;
                    inputs[i] = new NamedTensor(name, BackendTestCase.ToTensorValue(files[i]));
                }
            }

            IReadOnlyList<NamedTensor> actual;
            try
            {
                using var client = new DynamicModelClient(backend);
                actual = client.Run(inputs);
            }
            catch (ModelKitException ex)
            {
                return (ConformanceOutcome.Failed, $"{ex.GetType().Name}: {FirstLine(ex.Message)}");
            }

            if (actual.Count != expected.Length)
            {
                return (ConformanceOutcome.Failed, $"{actual.Count} outputs, expected {expected.Length}");
            }

            for (int o = 0; o < expected.Length; o++)
            {
                string? problem = Compare(actual[o].Value, expected[o], testCase.RelativeTolerance, testCase.AbsoluteTolerance);
                if (problem is not null)
                {
                    return (ConformanceOutcome.Failed, $"output {o} '{actual[o].Name}': {problem}");
                }
            }

            return (ConformanceOutcome.Passed, string.Empty);
        }
    }

    /// <summary>Null when <paramref name="actual"/> matches: same element type and shape; values within |a−e| ≤ atol + rtol·|e| (floats) or equal.</summary>
    public static string? Compare(TensorValue actual, OnnxTensor expected, double relative, double absolute)
    {
        var expectedType = (TensorElementType)(int)expected.DataType;
        if (actual.ElementType != expectedType)
        {
            return $"element type {TensorElementTypes.OnnxName(actual.ElementType)}, expected {TensorElementTypes.OnnxName(expectedType)}";
        }

        if (!actual.Shape.AsSpan().SequenceEqual(expected.Dims))
        {
            return $"shape {TensorShape.Format(actual.Shape)}, expected {TensorShape.Format(expected.Dims)}";
        }

        var reference = BackendTestCase.ToTensorValue(expected).Buffer;
        var buffer = actual.Buffer;
        if (buffer.Length != reference.Length)
        {
            return $"{buffer.Length} elements, expected {reference.Length}";
        }

        switch (actual.ElementType)
        {
            case TensorElementType.Float:
                return CompareFloats(buffer.AsSpan<float>().ToArray().Select(static v => (double)v).ToArray(), reference.AsSpan<float>().ToArray().Select(static v => (double)v).ToArray(), relative, absolute);
            case TensorElementType.Double:
                return CompareFloats(buffer.AsSpan<double>().ToArray(), reference.AsSpan<double>().ToArray(), relative, absolute);
            case TensorElementType.Float16:
                return CompareFloats(buffer.AsSpan<Half>().ToArray().Select(static v => (double)v).ToArray(), reference.AsSpan<Half>().ToArray().Select(static v => (double)v).ToArray(), relative, absolute);
            case TensorElementType.BFloat16:
                return CompareFloats(buffer.AsSpan<BFloat16>().ToArray().Select(static v => (double)v.ToSingle()).ToArray(), reference.AsSpan<BFloat16>().ToArray().Select(static v => (double)v.ToSingle()).ToArray(), relative, absolute);
            case TensorElementType.String:
                var strings = buffer.AsSpan<string>();
                var expectedStrings = reference.AsSpan<string>();
                for (int i = 0; i < strings.Length; i++)
                {
                    if (!string.Equals(strings[i], expectedStrings[i], StringComparison.Ordinal))
                    {
                        return $"element {i} is \"{strings[i]}\", expected \"{expectedStrings[i]}\"";
                    }
                }

                return null;
            default:
                var bytes = buffer.AsBytes();
                var expectedBytes = reference.AsBytes();
                int size = TensorElementTypes.SizeOf(actual.ElementType);
                for (int i = 0; i < bytes.Length; i++)
                {
                    if (bytes[i] != expectedBytes[i])
                    {
                        return $"element {i / size} differs (integers and bools must match exactly)";
                    }
                }

                return null;
        }
    }

    private static string? CompareFloats(double[] actual, double[] expected, double relative, double absolute)
    {
        int mismatches = 0;
        int first = -1;
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i];
            double e = expected[i];
            if (double.IsNaN(e) ? double.IsNaN(a) : a == e || Math.Abs(a - e) <= absolute + (relative * Math.Abs(e)))
            {
                continue;
            }

            mismatches++;
            if (first < 0)
            {
                first = i;
            }

            worst = Math.Max(worst, Math.Abs(a - e));
        }

        return mismatches == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"{mismatches}/{actual.Length} elements outside tolerance; first at {first}: {actual[first]:G9} vs {expected[first]:G9}; worst |diff| {worst:G6}");
    }

    private static string FirstLine(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        string line = newline < 0 ? message : message[..newline];
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
