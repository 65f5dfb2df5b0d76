using System.Reflection;
using Microsoft.CodeAnalysis;
using ModelKit.Binding;

namespace ModelKit.Generators.Tests;

/// <summary>
/// Issue 14: one "did you mean" implementation compiled into both the runtime (ModelKit) and the generator (linked source),
/// and a tensor type name that cannot clash with System.Numerics.Tensors.Tensor&lt;T&gt;.
/// </summary>
public sealed class SharedNameTests
{
    public static TheoryData<string, string[]> Misspellings => new()
    {
        { "input3", ["Input3"] },
        { "INPUT3", ["Input3", "input_3", "Output"] },
        { "Plus214_Output", ["Plus214_Output_0", "Plus214", "Times212_reshape0"] },
        { "pixel", ["pixels", "Pixels", "pixel_values", "attention_mask"] },
        { "input_ids", ["input_ids", "attention_mask", "token_type_ids"] },
        { "x", ["a", "b", "y", "xx"] },
        { "completely_different", ["Input3"] },
        { "", ["a"] },
    };

    [Theory]
    [MemberData(nameof(Misspellings))]
    public void Build_time_and_run_time_suggest_the_same_names(string name, string[] candidates)
    {
        var runtimeType = typeof(global::ModelKit.TensorAttribute).Assembly.GetType("ModelKit.Binding.NameSuggestions", throwOnError: true)!;
        Assert.NotSame(runtimeType.Assembly, typeof(NameSuggestions).Assembly); // two compiled copies of one source file

        var atRunTime = (List<string>)runtimeType.GetMethod(nameof(NameSuggestions.Closest), BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [name, candidates])!;
        var atBuildTime = NameSuggestions.Closest(name, candidates);
        Assert.Equal(atBuildTime, atRunTime);
    }

    [Fact]
    public void Case_is_ignored_on_both_sides()
    {
        Assert.Equal(0, NameSuggestions.Distance("input3", "INPUT3"));
        Assert.Equal(["Input3"], NameSuggestions.Closest("input3", ["Output", "Input3"]));
        var runtimeDistance = typeof(global::ModelKit.TensorAttribute).Assembly.GetType("ModelKit.Binding.NameSuggestions", throwOnError: true)!
            .GetMethod(nameof(NameSuggestions.Distance), BindingFlags.Public | BindingFlags.Static)!;
        Assert.Equal(0, (int)runtimeDistance.Invoke(null, ["input3", "INPUT3"])!);
    }

    [Fact]
    public void A_file_importing_ModelKit_and_System_Numerics_Tensors_compiles()
    {
        var compilation = TestReferences.CreateCompilation(["""
            #pragma warning disable SYSLIB5001 // System.Numerics.Tensors.Tensor<T> may be experimental
            using ModelKit;
            using System.Numerics.Tensors;

            namespace Vision;

            [ModelContract("ultraface")]
            public partial interface IFaces
            {
                [return: Tensor("scores")]
                ModelTensor<float> Scores([Tensor("input", 1, 3, 240, 320)] ModelTensor<float> image);
            }

            public static class Both
            {
                public static ModelTensor<float> Ours() => new ModelTensor<float>(new float[4], 2, 2);

                public static Tensor<float> Theirs() => Tensor.Create(new float[4], [2, 2]);
            }
            """], TestReferences.ModelKit.Add(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location)));
        var (output, diagnostics, _) = GeneratorRunner.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Empty(TestReferences.Problems(output)); // no CS0104: 'Tensor<>' is an ambiguous reference
        Assert.Null(output.GetTypeByMetadataName("ModelKit.Tensor`1"));
    }
}
