using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Packaging.Tests;

/// <summary>
/// The generator exists so that no reflection is needed: tests/ModelKit.AotSmoke (a generated MNIST client resolved from
/// <c>AddModelKit</c>) is published with <c>PublishAot</c> (trim and AOT warnings are errors) and the native executable runs the
/// model zoo's MNIST CNN on random pixels; its logits must be ONNX Runtime's own for the same pixels.
/// </summary>
/// <remarks>
/// In the packages collection, so it never runs beside <c>build/pack.sh</c>; and it neither restores nor builds the src/ projects
/// (<c>--no-dependencies</c>, <c>BuildProjectReferences=false</c>): the solution build made them, only the app is compiled natively.
/// One publish: a few minutes on two cores.
/// </remarks>
[Collection(PackagesCollection.Name)]
public sealed class AotSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public void A_generated_client_published_with_native_AOT_runs_mnist_like_onnx_runtime()
    {
        string model = SharedData.Require("models/mnist.onnx");
        string project = Path.Combine(SharedData.RepoRoot, "tests", "ModelKit.AotSmoke", "ModelKit.AotSmoke.csproj");
        string root = Directory.CreateTempSubdirectory("modelkit-aot-").FullName;
        try
        {
            string publish = Path.Combine(root, "publish");
            // The portable RID (the AOT compiler packages exist for those only), whatever the distribution calls itself.
            string rid = (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            var published = DotNet.Run(SharedData.RepoRoot, TimeSpan.FromMinutes(10), "dotnet", "publish", project, "-c", "Release", "-r", rid,
                "-o", publish, "--no-dependencies", "-p:BuildProjectReferences=false", "--disable-build-servers");
            output.WriteLine(published.Output);
            published.EnsureSuccess("dotnet publish -p:PublishAot=true");
            Assert.DoesNotMatch(@"warning IL\d{4}", published.Output); // trim and AOT warnings are errors too; none may even warn
            string executable = Path.Combine(publish, OperatingSystem.IsWindows() ? "ModelKit.AotSmoke.exe" : "ModelKit.AotSmoke");
            Assert.True(File.Exists(executable), $"no native executable at {executable}");
            Assert.False(File.Exists(Path.Combine(publish, "ModelKit.AotSmoke.dll")), "a native AOT publish leaves no IL assembly of the app");

            var random = new Random(20261201);
            float[] pixels = new float[784];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = random.Next(256);
            }

            string pixelFile = Path.Combine(root, "pixels.f32");
            File.WriteAllBytes(pixelFile, MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());
            var run = DotNet.Run(root, TimeSpan.FromMinutes(1), executable, model, pixelFile);
            output.WriteLine(run.Output);
            run.EnsureSuccess("the native smoke app");

            string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(11, lines.Length);
            Assert.Equal("native-aot", lines[10]);
            float[] logits = lines[..10].Select(static l => float.Parse(l, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();

            float[] expected = OnnxRuntimeLogits(model, pixels);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - logits[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected[i])), $"logit {i}: native app {logits[i]}, ONNX Runtime {expected[i]}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static float[] OnnxRuntimeLogits(string model, float[] pixels)
    {
        using var session = new InferenceSession(model);
        var input = new DenseTensor<float>(pixels, [1, 1, 28, 28]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Input3", input)]);
        return results[0].AsTensor<float>().ToArray();
    }
}
