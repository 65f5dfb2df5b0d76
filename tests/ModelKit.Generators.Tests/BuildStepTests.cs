using System.Diagnostics;
using ModelKit.Generators.Parsing;
using ModelKit.Testing;

namespace ModelKit.Generators.Tests;

/// <summary>
/// The build step (generators/ModelKit.Build: targets + task) run by real MSBuild: the sidecar the task writes is the
/// AdditionalFile the targets hand to the generator, whatever the model's name.
/// </summary>
public sealed class BuildStepTests
{
    [SkippableFact]
    public void Every_model_name_reaches_the_generator_as_the_file_the_task_wrote()
    {
        string model = SharedData.Require("models/mnist.onnx");
        string repo = SharedData.RepoRoot;
        string configuration = typeof(BuildStepTests).Assembly.Location.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        string task = Path.Combine(repo, "generators", "ModelKit.Build", "bin", configuration, "netstandard2.0", "ModelKit.Build.dll");
        Assert.True(File.Exists(task), task);

        string project = Path.Combine(Path.GetTempPath(), "modelkit-buildstep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(project);
        try
        {
            // Names with a path separator, a space and different case, and one defaulted from the file name.
            File.WriteAllText(Path.Combine(project, "probe.proj"), $$"""
                <Project>
                  <PropertyGroup>
                    <IntermediateOutputPath>obj/</IntermediateOutputPath>
                    <ModelKitBuildTaskAssembly>{{task}}</ModelKitBuildTaskAssembly>
                  </PropertyGroup>
                  <ItemGroup>
                    <ModelKitModel Include="{{model}}" Name="org/mnist" />
                    <ModelKitModel Include="{{model}}" Name="org_mnist" />
                    <ModelKitModel Include="{{model}}" Name="My Model" />
                    <ModelKitModel Include="{{model}}" />
                  </ItemGroup>
                  <Import Project="{{Path.Combine(repo, "generators", "ModelKit.Build", "build", "ModelKit.Build.targets")}}" />
                  <Target Name="GenerateMSBuildEditorConfigFileShouldRun" />
                  <Target Name="CoreCompile" DependsOnTargets="GenerateMSBuildEditorConfigFileShouldRun">
                    <Message Importance="high" Text="ADDITIONAL|%(AdditionalFiles.FullPath)" />
                  </Target>
                </Project>
                """);

            string output = RunMSBuild(project);
            var additional = output.Split('\n').Select(static l => l.Trim()).Where(static l => l.StartsWith("ADDITIONAL|", StringComparison.Ordinal))
                .Select(static l => l["ADDITIONAL|".Length..]).ToList();
            Assert.Equal(4, additional.Count);
            var names = new List<string>();
            foreach (string file in additional)
            {
                Assert.True(File.Exists(file), $"AdditionalFile '{file}' was not written (before: CS2001). MSBuild output:\n{output}");
                var signature = SignatureParser.Parse(file, File.ReadAllText(file));
                Assert.Null(signature.Error);
                names.Add(signature.ModelName);
            }

            Assert.Equal(["My Model", "mnist", "org/mnist", "org_mnist"], names.Order(StringComparer.Ordinal));
            Assert.Contains(additional, static f => Path.GetFileName(f) == "org_mnist.modelkit-signature");
            Assert.Contains(additional, static f => Path.GetFileName(f) == "mnist.modelkit-signature");

            // Incremental: a second build is up to date and still adds every file.
            string again = RunMSBuild(project);
            Assert.Equal(4, again.Split('\n').Count(static l => l.Trim().StartsWith("ADDITIONAL|", StringComparison.Ordinal)));
            Assert.Contains("Skipping target \"ModelKitWriteSignatures\"", again, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }

    private static string RunMSBuild(string project)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet, ["msbuild", "probe.proj", "-nologo", "-nodeReuse:false", "-v:d", "-t:CoreCompile"])
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output + error.Result);
        return output;
    }
}
