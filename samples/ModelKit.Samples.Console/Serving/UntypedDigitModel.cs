using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>
/// Any other MNIST-shaped model (one float input of 784 values per digit, one float output of 10) whose tensor names no
/// contract here declares: run through ModelKit's untyped <see cref="DynamicModelClient"/>.
/// </summary>
internal sealed class UntypedDigitModel(DynamicModelClient client, TensorInfo input, TensorInfo output, float pixelScale, string backend) : IDigitModel
{
    private readonly long[] _singleShape = input.Shape.Select(static d => d < 0 ? 1L : d).ToArray();
    private readonly string[] _outputs = [output.Name];
    private float[][] _pixels = [];

    public string Description => $"{nameof(DynamicModelClient)} (untyped: '{input.Name}' → '{output.Name}') on {backend}";

    public int Count => _pixels.Length;

    /// <summary>Whether several digits can go in one run (dynamic first dimension on both sides).</summary>
    private bool CanStack => input.Shape.Length > 0 && input.Shape[0] < 0 && output.Shape.Length > 0 && output.Shape[0] < 0;

    public void Prepare(IReadOnlyList<MnistDigit> digits) =>
        _pixels = digits.Select(d => DigitModel.Scale(d.Pixels, pixelScale)).ToArray();

    public int Predict(int index) => DigitModel.ArgMax(Scores(client.Run(Inputs(_pixels[index], _singleShape), _outputs)));

    public async ValueTask<int> PredictAsync(int index, CancellationToken cancellationToken) =>
        DigitModel.ArgMax(Scores(await client.RunAsync(Inputs(_pixels[index], _singleShape), _outputs, cancellationToken).ConfigureAwait(false)));

    public void PredictBatch(int start, Span<int> labels)
    {
        if (!CanStack)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = Predict(start + i);
            }

            return;
        }

        var stacked = new float[labels.Length * MlpModel.InputSize];
        for (int i = 0; i < labels.Length; i++)
        {
            _pixels[start + i].CopyTo(stacked, i * MlpModel.InputSize);
        }

        var shape = (long[])_singleShape.Clone();
        shape[0] = labels.Length;
        var scores = Scores(client.Run(Inputs(stacked, shape), _outputs));
        int width = scores.Length / labels.Length;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = DigitModel.ArgMax(scores.Slice(i * width, width));
        }
    }

    private NamedTensor[] Inputs(float[] pixels, long[] shape) => [new NamedTensor(input.Name, TensorValue.Create(pixels, shape))];

    private static ReadOnlySpan<float> Scores(IReadOnlyList<NamedTensor> outputs) => outputs[0].Value.Buffer.AsSpan<float>();
}
