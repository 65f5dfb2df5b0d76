using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace ModelKit.Generators.Tests;

/// <summary>Many contracts at once: every one generated, deterministically, and the time reported (the benchmark project owns the target).</summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void Two_hundred_contracts_generate_two_hundred_clients_deterministically()
    {
        string source = ManyContracts(200);
        var compilation = TestReferences.CreateCompilation([source]);

        // Warm up (JIT), then time full runs of a fresh driver.
        GeneratorRunner.Run(compilation);
        var stopwatch = Stopwatch.StartNew();
        var (_, diagnostics, result) = GeneratorRunner.Run(compilation);
        stopwatch.Stop();
        var (_, _, again) = GeneratorRunner.Run(compilation);

        Assert.Empty(diagnostics);
        var generated = Assert.Single(result.Results).GeneratedSources;
        Assert.Equal(200, generated.Length);
        Assert.Equal(
            generated.Select(static s => s.HintName + "\n" + s.SourceText),
            Assert.Single(again.Results).GeneratedSources.Select(static s => s.HintName + "\n" + s.SourceText));
        output.WriteLine($"200 contracts: {stopwatch.Elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)} ms (full run, fresh driver, after warm-up)");
    }

    private static string ManyContracts(int count)
    {
        var builder = new StringBuilder("using ModelKit;\n\nnamespace Many;\n\n");
        builder.Append("public sealed class Image { [Tensor(\"x\", 1, 1, 28, 28)] public float[] Pixels { get; set; } = new float[784]; }\n");
        builder.Append("public sealed class Scores { [Tensor(\"y\")] public float[] Logits { get; set; } = []; [Tensor(\"z\")] public long Label { get; set; } }\n\n");
        for (int i = 0; i < count; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $$"""
                [ModelContract("model{{i}}")]
                public partial interface IModel{{i}}
                {
                    Scores Predict(Image image);
                    ValueTask<Scores> PredictAsync(Image image, CancellationToken cancellationToken);
                    Scores[] PredictBatch(IReadOnlyList<Image> images);
                    void PredictInto([Tensor("x")] ReadOnlyMemory<float> pixels, [Output, Tensor("y")] Memory<float> logits);
                }

                """);
        }

        return builder.ToString();
    }
}
