using ModelKit.Samples.ConsoleApp.Contracts;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>The seeds' MLP through its generated <see cref="IMlpDigitClassifier"/> client.</summary>
internal sealed class MlpDigitModel(IMlpDigitClassifier client, float pixelScale, string backend) : IDigitModel
{
    private MlpDigitImage[] _images = [];

    public string Description => $"{nameof(IMlpDigitClassifier)} (generated client) → model 'mnist-mlp' on {backend}";

    public int Count => _images.Length;

    public void Prepare(IReadOnlyList<MnistDigit> digits) =>
        _images = digits.Select(d => new MlpDigitImage { Pixels = DigitModel.Scale(d.Pixels, pixelScale) }).ToArray();

    public int Predict(int index) => DigitModel.ArgMax(client.Predict(_images[index]).Values);

    public async ValueTask<int> PredictAsync(int index, CancellationToken cancellationToken) =>
        DigitModel.ArgMax((await client.PredictAsync(_images[index], cancellationToken).ConfigureAwait(false)).Values);

    public void PredictBatch(int start, Span<int> labels)
    {
        var results = client.PredictBatch(new ArraySegment<MlpDigitImage>(_images, start, labels.Length));
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = DigitModel.ArgMax(results[i].Values);
        }
    }
}
