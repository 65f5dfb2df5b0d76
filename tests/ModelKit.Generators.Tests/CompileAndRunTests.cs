using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelKit.Testing;

namespace ModelKit.Generators.Tests;

/// <summary>
/// Contracts and their generated clients compiled together against the real ModelKit assemblies, as a user's project with
/// TreatWarningsAsErrors, nullable and warning level 9999 (and documentation diagnostics on) builds them; then run on mnist.onnx.
/// </summary>
public sealed class CompileAndRunTests
{
    private const string Runner = """
        #pragma warning disable CS1591
        using Microsoft.Extensions.DependencyInjection;
        using ModelKit;

        namespace Samples;

        public static class Runner
        {
            /// <summary>Every shape of the reference contract and of the [Output] contract, through AddModelKit and the generated AddBackends.</summary>
            public static float[][] Run(string modelPath, float[] pixels)
            {
                var services = new ServiceCollection();
                services.AddModelKit(kit => kit
                    .AddModel<IDigitClassifier>(model => model.Path = modelPath)
                    .AddModel<Samples.Outputs.IDigitInto>(model => model.Path = modelPath)
                    .AddModel<Samples.Raw.IMnistRaw>(model => model.Path = modelPath));
                using var provider = services.BuildServiceProvider();

                var classifier = provider.GetRequiredService<IDigitClassifier>();
                var image = new DigitImage { Pixels = pixels };
                float[] sync = classifier.Predict(image).Logits;
                float[] async = classifier.PredictAsync(image, CancellationToken.None).AsTask().GetAwaiter().GetResult().Logits;
                DigitScores[] batch = classifier.PredictBatch([image, new DigitImage { Pixels = pixels }]);
                float[] into = new float[10];
                classifier.PredictInto(pixels, into);

                var raw = provider.GetRequiredService<Samples.Raw.IMnistRaw>().Predict(pixels);

                var outputs = provider.GetRequiredService<Samples.Outputs.IDigitInto>();
                var logits = new Samples.Outputs.DigitLogits();
                outputs.Predict(new Samples.Outputs.DigitImage { Pixels = pixels }, logits);
                float[] intoArray = new float[10];
                outputs.PredictAsync(pixels, intoArray, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                float[] intoMemory = new float[10];
                outputs.PredictTaskAsync(pixels, intoMemory, CancellationToken.None).GetAwaiter().GetResult();

                return [sync, async, batch[0].Logits, batch[1].Logits, into, raw, logits.Logits, intoArray, intoMemory];
            }
        }
        """;

    private const string ProcessingRunner = """
        #pragma warning disable CS1591
        using Microsoft.Extensions.DependencyInjection;
        using ModelKit;
        using Samples.Digits;

        namespace Samples;

        public static class ProcessingRunner
        {
            /// <summary>Every form of the processing contract through AddModelKit: steps from DI (keyed Labeller), or created (InkPixels, Argmax).</summary>
            public static object[] Run(string modelPath, byte[] image)
            {
                var services = new ServiceCollection();
                services.AddKeyedSingleton("mnist", new Labeller("digit "));
                services.AddSingleton(new Labeller("unkeyed ")); // the keyed registration wins
                services.AddModelKit(kit => kit.AddModel<IDigitReader>(model => model.Path = modelPath));
                using var provider = services.BuildServiceProvider();
                var reader = provider.GetRequiredService<IDigitReader>();
                var other = new byte[28 * 28];
                return
                [
                    reader.Read(image),
                    reader.ReadAsync(image, CancellationToken.None).AsTask().GetAwaiter().GetResult(),
                    reader.LogitsAsync(image).GetAwaiter().GetResult(),
                    reader.ReadBatch([image, other, image]),
                    reader.ReadBatchAsync([other, image], CancellationToken.None).AsTask().GetAwaiter().GetResult().ToArray(),
                    reader.Label(image)!,
                ];
            }

            /// <summary>A step only DI can create, missing: the error the client's creation throws.</summary>
            public static string Missing(string modelPath)
            {
                var services = new ServiceCollection();
                services.AddModelKit(kit => kit.AddModel<IDigitReader>(model => model.Path = modelPath));
                using var provider = services.BuildServiceProvider();
                try
                {
                    provider.GetRequiredService<IDigitReader>();
                    return "created";
                }
                catch (ModelKitException e)
                {
                    return e.Message;
                }
            }
        }
        """;

    public static TheoryData<string> AllContracts => new()
    {
        Contracts.DigitClassifier,
        Contracts.MnistRaw,
        Contracts.MultiInputOutput,
        Contracts.ShapedTensors,
        Contracts.ScalarsAndStrings,
        Contracts.OutputParameters,
        Contracts.Processing,
    };

    [Theory]
    [MemberData(nameof(AllContracts))]
    public void Generated_code_compiles_without_a_single_diagnostic(string contract)
    {
        var compilation = Compile("#pragma warning disable CS1591\n" + contract);
        var (output, diagnostics, _) = GeneratorRunner.Run(compilation);

        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output));
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
    }

    [SkippableFact]
    public void Generated_clients_run_mnist_and_agree_with_onnx_runtime()
    {
        string modelPath = SharedData.Require("models/mnist.onnx");
        var compilation = Compile(
            "#pragma warning disable CS1591\n" + Contracts.DigitClassifier,
            "#pragma warning disable CS1591\n" + Contracts.MnistRaw,
            "#pragma warning disable CS1591\n" + Contracts.OutputParameters,
            Runner);
        var (output, diagnostics, _) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output));

        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        stream.Position = 0;

        var context = new AssemblyLoadContext("generated-client", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(stream);
            var run = assembly.GetType("Samples.Runner", throwOnError: true)!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
            float[] pixels = DrawSeven();
            var results = (float[][])run.Invoke(null, [modelPath, pixels])!;

            float[] expected = RunOnnxRuntime(modelPath, pixels);
            Assert.Equal(9, results.Length);
            foreach (float[] logits in results)
            {
                Assert.Equal(expected.Length, logits.Length);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.Equal(expected[i], logits[i], 4);
                }
            }
        }
        finally
        {
            context.Unload();
        }
    }

    [SkippableFact]
    public void Generated_client_with_processing_steps_runs_mnist_and_agrees_with_onnx_runtime()
    {
        string modelPath = SharedData.Require("models/mnist.onnx");
        var compilation = Compile("#pragma warning disable CS1591\n" + Contracts.Processing, ProcessingRunner);
        var (output, diagnostics, _) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output));

        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        stream.Position = 0;

        var context = new AssemblyLoadContext("generated-processing-client", isCollectible: true);
        try
        {
            var runner = context.LoadFromStream(stream).GetType("Samples.ProcessingRunner", throwOnError: true)!;
            float[] pixels = DrawSeven();
            byte[] image = Array.ConvertAll(pixels, static p => (byte)p);
            var results = (object[])runner.GetMethod("Run")!.Invoke(null, [modelPath, image])!;

            float[] expected = RunOnnxRuntime(modelPath, pixels);
            float[] blank = RunOnnxRuntime(modelPath, new float[28 * 28]);
            int digit = Array.IndexOf(expected, expected.Max());
            int blankDigit = Array.IndexOf(blank, blank.Max());
            Assert.Equal(digit, (int)results[0]);
            Assert.Equal(digit, (int)results[1]);
            var logits = (float[])results[2];
            Assert.Equal(expected.Length, logits.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], logits[i], 4);
            }

            Assert.Equal([digit, blankDigit, digit], (int[])results[3]);
            Assert.Equal([blankDigit, digit], (int[])results[4]);
            Assert.Equal("digit " + digit, (string)results[5]);

            string missing = (string)runner.GetMethod("Missing")!.Invoke(null, [modelPath])!;
            Assert.Contains("IDigitReader.Label", missing, StringComparison.Ordinal);
            Assert.Contains("Labeller", missing, StringComparison.Ordinal);
            Assert.Contains("AddKeyedSingleton<Labeller>(\"mnist\"", missing, StringComparison.Ordinal);
        }
        finally
        {
            context.Unload();
        }
    }

    private static CSharpCompilation Compile(params string[] sources) =>
        TestReferences.CreateCompilation(sources, parseOptions: TestReferences.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose));

    /// <summary>The same image through ONNX Runtime directly: the reference the generated client must reproduce.</summary>
    internal static float[] RunOnnxRuntime(string modelPath, float[] pixels)
    {
        using var session = new InferenceSession(modelPath);
        var input = new DenseTensor<float>(pixels, [1, 1, 28, 28]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Input3", input)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    /// <summary>A hand-drawn 7: a bar across the top and a diagonal stroke down.</summary>
    internal static float[] DrawSeven()
    {
        var pixels = new float[28 * 28];
        for (int x = 6; x < 22; x++)
        {
            pixels[(5 * 28) + x] = 1f;
            pixels[(6 * 28) + x] = 1f;
        }

        for (int y = 7; y < 24; y++)
        {
            int x = 21 - ((y - 7) / 2);
            pixels[(y * 28) + x] = 1f;
            pixels[(y * 28) + x - 1] = 1f;
        }

        return pixels;
    }
}
