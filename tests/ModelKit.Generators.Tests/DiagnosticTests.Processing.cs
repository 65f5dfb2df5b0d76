namespace ModelKit.Generators.Tests;

/// <summary>MK4xxx: processing steps that do not fit their method. Each diagnostic lands where the fix goes.</summary>
public sealed partial class DiagnosticTests
{
    private const string Steps = """

        public sealed class Tokens : ModelKit.Processing.IPreprocessor<string>
        {
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public void Preprocess(string input, ModelKit.Processing.ProcessingContext context) { }
        }

        public sealed class Pooling : ModelKit.Processing.IPostprocessor<float[]>, ModelKit.Processing.IPostprocessor<ReadOnlyMemory<float>>
        {
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public float[] Postprocess(ModelKit.Processing.ProcessingContext context) => [];
            ReadOnlyMemory<float> ModelKit.Processing.IPostprocessor<ReadOnlyMemory<float>>.Postprocess(ModelKit.Processing.ProcessingContext context) => default;
        }
        """;

    [Fact]
    public Task MK4001_step_does_not_implement_its_interface() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [{|MK4001:Preprocess<Pooling>|}, Postprocess<Pooling>]
            float[] Embed(string text);

            [Preprocess<Tokens>, {|MK4001:Postprocess<Tokens>|}]
            float[] EmbedToo(string text);
        }
        """);

    [Fact]
    public Task MK4002_preprocessor_does_not_take_the_input() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] Embed(int {|MK4002:text|});

            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[][] EmbedBatch(IEnumerable<string> {|MK4002:texts|});
        }
        """);

    [Fact]
    public Task MK4003_postprocessor_does_not_give_the_result() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            {|MK4003:double[]|} Embed(string text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            {|MK4003:ValueTask<float[][]>|} EmbedAsync(string text, CancellationToken cancellationToken);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            {|MK4003:float[]|} EmbedBatch(IReadOnlyList<string> texts);
        }
        """);

    [Fact]
    public Task MK4004_step_not_concrete() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [{|MK4004:Preprocess<ModelKit.Processing.IPreprocessor<string>>|}, Postprocess<Pooling>]
            float[] Embed(string text);

            [Preprocess<Tokens>, {|MK4004:Postprocess<AbstractPooling>|}]
            float[] EmbedToo(string text);
        }

        public abstract class AbstractPooling : ModelKit.Processing.IPostprocessor<float[]>
        {
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public abstract float[] Postprocess(ModelKit.Processing.ProcessingContext context);
        }
        """);

    [Fact]
    public Task MK4005_step_not_accessible() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [{|MK4005:Preprocess<HiddenTokens>|}, Postprocess<Pooling>]
            float[] Embed(string text);

            private sealed class HiddenTokens : ModelKit.Processing.IPreprocessor<string>
            {
                public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
                public void Preprocess(string input, ModelKit.Processing.ProcessingContext context) { }
            }
        }
        """);

    [Fact]
    public Task MK4006_step_missing() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>]
            float[] {|MK4006:Embed|}(string text);

            [Postprocess<Pooling>]
            float[] {|MK4006:EmbedToo|}(string text);
        }
        """);

    [Fact]
    public Task MK4007_unsupported_method_with_steps() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] Embed(string text, [Tensor("mask")] long[] {|MK4007:mask|});

            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] Pair(string first, string {|MK4007:second|});

            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] {|MK4007:Nothing|}();

            [Preprocess<Tokens>, Postprocess<Pooling>]
            {|MK4007:void|} Discard(string text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            [return: Tensor("y")]
            {|MK4007:float[]|} Tensor(string text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] ByRef(ref string {|MK4007:text|});
        }
        """);

    [Fact]
    public Task Steps_on_an_async_method_still_need_a_cancellation_token() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            ValueTask<float[]> {|MK1007:EmbedAsync|}(string text);
        }
        """);

    [Fact]
    public Task Steps_that_fit_report_nothing_and_leave_the_model_checks_alone() => VerifySteps("""
        [ModelContract("m")]
        public partial interface IEncoder
        {
            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[] Embed(string text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            ReadOnlyMemory<float> EmbedMemory(string? text);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            Task<ReadOnlyMemory<float>> EmbedAsync(string text, CancellationToken cancellationToken);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            float[][] EmbedBatch(string[] texts);

            [Preprocess<Tokens>, Postprocess<Pooling>]
            Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedBatchAsync(IReadOnlyList<string?> texts, CancellationToken cancellationToken = default);

            // Steps the client must not create itself (DI only): a required member, an obsolete or inaccessible constructor.
            [Preprocess<ConfiguredTokens>, Postprocess<LegacyPooling>]
            float[] EmbedConfigured(string text);

            [Preprocess<ObjectTokens>, Postprocess<Pooling>]
            float[] EmbedAnything(string text); // contravariance: a step for object takes a string
        }

        public sealed class ConfiguredTokens : ModelKit.Processing.IPreprocessor<string>
        {
            public required string Vocabulary { get; init; }
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public void Preprocess(string input, ModelKit.Processing.ProcessingContext context) { }
        }

        public sealed class LegacyPooling : ModelKit.Processing.IPostprocessor<float[]>
        {
            [Obsolete("use the other constructor")]
            public LegacyPooling() { }
            private LegacyPooling(int dimensions) => _ = dimensions;
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public float[] Postprocess(ModelKit.Processing.ProcessingContext context) => [];
        }

        public sealed class ObjectTokens : ModelKit.Processing.IPreprocessor<object>
        {
            public IReadOnlyList<ModelKit.Processing.StepTensor> Tensors => [];
            public void Preprocess(object input, ModelKit.Processing.ProcessingContext context) { }
        }
        """);

    [Fact]
    public Task Methods_with_steps_are_left_to_the_binding_when_the_model_is_listed() =>
        // The steps' tensors are known only at run time: no MK3006 "never supplies input 'x'" on a method whose step writes it.
        // A method with tensors of its own in the same contract is still checked.
        VerifyWithModel("""
            [ModelContract("m")]
            public partial interface IEncoder
            {
                [Preprocess<Tokens>, Postprocess<Pooling>]
                float[] Embed(string text);

                [return: Tensor("y")] float[] {|MK3006:PredictRaw|}([Tensor("X1")] float[] {|MK3001:pixels|});
            }
            """ + Steps, ModelM);

    private static Task VerifySteps(string source) => GeneratorTest.ForSource(Source(source) + Steps).DiagnosticsOnly().RunAsync();
}
