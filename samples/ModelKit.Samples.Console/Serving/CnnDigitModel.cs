using ModelKit.Samples.ConsoleApp.Contracts;
using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp.Serving;

/// <summary>The model zoo's MNIST CNN through its generated <see cref="IDigitClassifier"/> client.</summary>
internal sealed class CnnDigitModel(IDigitClassifier client, float pixelScale, string backend) : IDigitModel
{
    private DigitImage[] _images = [];

    public string Description => $"{nameof(IDigitClassifier)} (generated client) → model 'mnist' on {backend}";

    public int Count => _images.Length;

    public void Prepare(IReadOnlyList<MnistDigit> digits) =>
        _images = digits.Select(d => new DigitImage { Pixels = DigitModel.Scale(d.Pixels, pixelScale) }).ToArray();

    public int Predict(int index) => DigitModel.ArgMax(client.Predict(_images[index]).Logits);

    public async ValueTask<int> PredictAsync(int index, CancellationToken cancellationToken) =>
        DigitModel.ArgMax((await client.PredictAsync(_images[index], cancellationToken).ConfigureAwait(false)).Logits);

    public void PredictBatch(int start, Span<int> labels)
    {
        var results = client.PredictBatch(new ArraySegment<DigitImage>(_images, start, labels.Length));
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = DigitModel.ArgMax(results[i].Logits);
        }
    }
}
