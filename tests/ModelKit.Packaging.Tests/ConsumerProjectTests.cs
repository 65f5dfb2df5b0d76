using System.Text.RegularExpressions;
using System.Xml.Linq;
using ModelKit.Testing;
using Xunit.Abstractions;

namespace ModelKit.Packaging.Tests;

/// <summary>
/// A user's first hour, from the packages: a fresh console project in a temporary folder references ModelKit and
/// ModelKit.Onnx by name from the packed feed, lists mnist.onnx as a <c>ModelKitModel</c>, scaffolds one contract (an empty
/// interface), takes another from <c>modelkit scaffold</c> (the packed tool), and hand-writes a third. The build fails on a
/// deliberate contract/model mismatch with the right MK error at the right place; fixed, it builds and predicts.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed partial class ConsumerProjectTests(PackagesFixture packages, ITestOutputHelper output)
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    private const string Program = """
        using Microsoft.Extensions.DependencyInjection;
        using ModelKit;

        var services = new ServiceCollection();
        services.AddModelKit(kit => kit.AddModel<IMnist>(model => model.Path = args[0]));
        using var provider = services.BuildServiceProvider();
        var mnist = provider.GetRequiredService<IMnist>();

        // A hand-drawn "1": a vertical bar in the middle of the 28x28 image, pixels 0..255 as the model expects.
        var pixels = new float[28 * 28];
        for (int row = 4; row < 24; row++)
        {
            for (int column = 13; column < 16; column++)
            {
                pixels[row * 28 + column] = 255f;
            }
        }

        var input = new MnistInput { Input3 = pixels };

        var output = await mnist.PredictAsync(input);
        float[] logits = output.Plus214Output0;
        Console.WriteLine($"logits: {logits.Length}");
        Console.WriteLine($"prediction: {Array.IndexOf(logits, logits.Max())}");

        // Scaffolded by the generator from the model's signature: MnistInput, MnistOutput, Predict/PredictAsync/PredictBatch.
        [ModelContract("mnist")]
        public partial interface IMnist;
        """;

    private const string HandWritten = """
        using ModelKit;

        namespace Consumer.Digits;

        [ModelContract("mnist")]
        public partial interface IDigitClassifier
        {
            DigitScores Predict(DigitImage image);
        }

        public sealed class DigitImage
        {
            [Tensor("Input3", 1, 1, 28, 28)]
            public long[] Pixels { get; set; } = new long[784];
        }

        public sealed class DigitScores
        {
            [Tensor("Plus214_Output_0")]
            public float[] Logits { get; set; } = [];
        }
        """;

    [Fact]
    public void A_fresh_project_checks_its_contracts_against_its_model_at_build_time_and_runs()
    {
        string model = SharedData.Require("models/mnist.onnx");
        string project = Path.Combine(packages.Root, "Consumer");
        Directory.CreateDirectory(project);
        string feed = packages.Feed;

        // The feed, besides the machine's own sources (nuget.org or its mirror) inherited from the user configuration.
        File.WriteAllText(Path.Combine(project, "nuget.config"), new XDocument(
            new XElement("configuration",
                new XElement("packageSources", new XElement("add", new XAttribute("key", "modelkit-test"), new XAttribute("value", feed))))).ToString());
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelKit" Version="{packages.Version}" />
                <PackageReference Include="ModelKit.Onnx" Version="{packages.Version}" />
                <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.0" />
                <ModelKitModel Include="{model}" Name="mnist" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), Program);
        File.WriteAllText(Path.Combine(project, "DigitClassifier.cs"), HandWritten);

        // The owned contract: printed by the packed `modelkit` tool.
        string tools = Path.Combine(packages.Root, "tools");
        DotNet.Run(project, Step, "dotnet", "tool", "install", "ModelKit.Cli", "--version", packages.Version, "--tool-path", tools, "--add-source", feed)
            .EnsureSuccess("dotnet tool install ModelKit.Cli");
        var scaffold = DotNet.Run(project, Step, Path.Combine(tools, "modelkit"), "scaffold", model, "--name", "mnist", "--namespace", "Consumer.Owned", "--contract", "IOwnedDigits")
            .EnsureSuccess("modelkit scaffold");
        Assert.Contains("[ModelContract(\"mnist\")]", scaffold.Output, StringComparison.Ordinal);
        Assert.Contains("public partial interface IOwnedDigits", scaffold.Output, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(project, "OwnedDigits.cs"), scaffold.Output);

        // 1. The mismatch: long[] for mnist's FLOAT input fails the build with MK3003 on the member, and nothing else.
        var failed = DotNet.Run(project, Step, "dotnet", "build", "-c", "Release", "--disable-build-servers");
        output.WriteLine(failed.Output);
        Assert.NotEqual(0, failed.ExitCode);
        var errors = ErrorPattern().Matches(failed.Output).Select(static m => (File: Path.GetFileName(m.Groups["file"].Value), Line: int.Parse(m.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture), Id: m.Groups["id"].Value)).Distinct().ToList();
        var error = Assert.Single(errors);
        Assert.Equal(("DigitClassifier.cs", 14, "MK3003"), error);
        Assert.Contains("'DigitImage.Pixels' has element type 'long', but input 'Input3' of model 'mnist' is float; use float", failed.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(project, "obj", "Release", "net10.0", "modelkit", "mnist.modelkit-signature")), "the build step writes the model's signature under obj/");

        // 2. Fixed, it builds (warnings as errors) and runs: the scaffolded contract predicts the drawn digit.
        File.WriteAllText(Path.Combine(project, "DigitClassifier.cs"), HandWritten.Replace("long[] Pixels { get; set; } = new long[784]", "float[] Pixels { get; set; } = new float[784]", StringComparison.Ordinal));
        DotNet.Run(project, Step, "dotnet", "build", "-c", "Release", "--disable-build-servers").EnsureSuccess("dotnet build (fixed)");
        var run = DotNet.Run(project, Step, "dotnet", "run", "-c", "Release", "--no-build", "--", model).EnsureSuccess("dotnet run");
        output.WriteLine(run.Output);
        Assert.Contains("logits: 10", run.Output, StringComparison.Ordinal);
        Assert.Contains("prediction: 1", run.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<file>[^\s:(]+\.cs)\((?<line>\d+),\d+\): error (?<id>[A-Z]+\d+)")]
    private static partial Regex ErrorPattern();
}
