using System.Diagnostics;
using System.Numerics.Tensors;

namespace ModelKit.Samples.Mnist;

/// <summary>
/// Trains the seeds' MLP (784 → Dense 64 ReLU → Dense 64 ReLU → Dense 10 softmax) with Adam on cross-entropy, in mini-batches,
/// on one thread and deterministically: the same options and digits give the same weights.
/// </summary>
public sealed class MlpTrainer
{
    /// <summary>Creates a trainer.</summary>
    public MlpTrainer(MlpTrainingOptions? options = null)
    {
        Options = options ?? new MlpTrainingOptions();
        Options.Validate();
    }

    /// <summary>The hyper-parameters.</summary>
    public MlpTrainingOptions Options { get; }

    /// <summary>A model with the options' layers and Glorot-uniform weights drawn from the options' seed (zero biases): what training starts from.</summary>
    public MlpModel CreateInitialModel() => CreateInitialModel(new Random(Options.Seed));

    /// <summary>Trains a model on <paramref name="digits"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before every mini-batch).</exception>
    public MlpTrainingResult Train(IReadOnlyList<MnistDigit> digits, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Count == 0)
        {
            throw new ArgumentException("No digits to train on.", nameof(digits));
        }

        foreach (var digit in digits)
        {
            if (digit.Pixels.Length != MlpModel.InputSize || (uint)digit.Label >= MlpModel.ClassCount)
            {
                throw new ArgumentException($"Every digit needs {MlpModel.InputSize} pixels and a label 0..9.", nameof(digits));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        long start = Stopwatch.GetTimestamp();
        var random = new Random(Options.Seed);
        var model = CreateInitialModel(random);
        var run = new TrainingRun(model, Options, random);
        var order = Enumerable.Range(0, digits.Count).ToArray();
        int batchesPerEpoch = (digits.Count + Options.BatchSize - 1) / Options.BatchSize;
        int totalBatches = batchesPerEpoch * Options.Epochs;
        var epochLosses = new double[Options.Epochs];
        var epochAccuracies = new double[Options.Epochs];

        for (int epoch = 0; epoch < Options.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int correct = 0;
            int seen = 0;
            for (int batch = 0; batch < batchesPerEpoch; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = batch * Options.BatchSize;
                int count = Math.Min(Options.BatchSize, digits.Count - first);
                var (loss, hits) = run.Step(digits, order.AsSpan(first, count));
                lossSum += loss;
                correct += hits;
                seen += count;

                bool epochEnd = batch == batchesPerEpoch - 1;
                if (progress is not null && (epochEnd || (batch + 1) % Options.ProgressInterval == 0))
                {
                    int done = (epoch * batchesPerEpoch) + batch + 1;
                    progress.Report(new TrainingProgress(epoch + 1, Options.Epochs, batch + 1, batchesPerEpoch, lossSum / seen, (double)correct / seen, (double)done / totalBatches));
                }
            }

            epochLosses[epoch] = lossSum / seen;
            epochAccuracies[epoch] = (double)correct / seen;
        }

        return new MlpTrainingResult(model, epochLosses, epochAccuracies, Stopwatch.GetElapsedTime(start));
    }

    private MlpModel CreateInitialModel(Random random)
    {
        var model = new MlpModel(Options.HiddenLayers);
        foreach (var layer in model.Layers)
        {
            float limit = MathF.Sqrt(6f / (layer.InputSize + layer.OutputSize));
            var weights = layer.WeightsMemory.Span;
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = ((random.NextSingle() * 2f) - 1f) * limit;
            }

            layer.BiasMemory.Span.Clear();
        }

        return model;
    }

    /// <summary>The state of one run: gradients, optimiser, scratch.</summary>
    private sealed class TrainingRun
    {
        private readonly MlpModel _model;
        private readonly AdamOptimizer _optimizer;
        private readonly float[] _gradients;
        private readonly int[] _offsets;
        private readonly float[] _activations;
        private readonly float[] _delta;
        private readonly float[] _previousDelta;
        private readonly float[] _augmented;
        private readonly DigitAugmentation? _augmentation;
        private readonly Random _random;

        public TrainingRun(MlpModel model, MlpTrainingOptions options, Random random)
        {
            _model = model;
            _random = random;
            _augmentation = options.Augmentation.IsNone ? null : options.Augmentation;
            _augmented = new float[MlpModel.InputSize];
            _optimizer = new AdamOptimizer(model.ParameterCount, options);
            _gradients = new float[model.ParameterCount];
            _activations = new float[model.ActivationCount];
            _delta = new float[model.MaxLayerSize];
            _previousDelta = new float[model.MaxLayerSize];
            _offsets = new int[model.Layers.Count];
            int offset = 0;
            for (int l = 0; l < _offsets.Length; l++)
            {
                _offsets[l] = offset;
                offset += (model.Layers[l].InputSize + 1) * model.Layers[l].OutputSize;
            }
        }

        /// <summary>One mini-batch: forward and backward per digit (gradients summed), then one Adam step. Returns the batch's summed loss and hits.</summary>
        public (double Loss, int Correct) Step(IReadOnlyList<MnistDigit> digits, ReadOnlySpan<int> batch)
        {
            Array.Clear(_gradients);
            float scale = 1f / batch.Length;
            double loss = 0;
            int correct = 0;
            foreach (int index in batch)
            {
                var digit = digits[index];
                ReadOnlySpan<float> pixels = digit.Pixels;
                if (_augmentation is not null)
                {
                    _augmentation.Apply(pixels, _augmented, _random);
                    pixels = _augmented;
                }

                var probabilities = _model.Forward(pixels, _activations);
                loss += MlpModel.CrossEntropy(probabilities, digit.Label);
                correct += TensorPrimitives.IndexOfMax<float>(probabilities) == digit.Label ? 1 : 0;
                Backward(pixels, digit.Label, probabilities, scale);
            }

            _optimizer.Step(_model.Parameters, _gradients);
            return (loss, correct);
        }

        /// <summary>Adds this digit's gradient of the mean batch loss. Softmax + cross-entropy: ∂L/∂z = (p − onehot) / batch.</summary>
        private void Backward(ReadOnlySpan<float> pixels, int label, ReadOnlySpan<float> probabilities, float scale)
        {
            var layers = _model.Layers;
            int last = layers.Count - 1;
            Span<float> delta = _delta.AsSpan(0, MlpModel.ClassCount);
            TensorPrimitives.Multiply(probabilities, scale, delta);
            delta[label] -= scale;

            int activationEnd = _model.ActivationCount - layers[last].OutputSize;
            for (int l = last; l >= 0; l--)
            {
                var layer = layers[l];
                int width = layer.OutputSize;
                ReadOnlySpan<float> input;
                if (l == 0)
                {
                    input = pixels;
                }
                else
                {
                    input = _activations.AsSpan(activationEnd - layer.InputSize, layer.InputSize);
                    activationEnd -= layer.InputSize;
                }

                var weightGradients = _gradients.AsSpan(_offsets[l], layer.InputSize * width);
                var biasGradients = _gradients.AsSpan(_offsets[l] + (layer.InputSize * width), width);
                TensorPrimitives.Add(biasGradients, delta, biasGradients);
                var weights = layer.WeightsMemory.Span;
                var previous = _previousDelta.AsSpan(0, layer.InputSize);
                for (int i = 0; i < input.Length; i++)
                {
                    float x = input[i];
                    if (x != 0f)
                    {
                        var row = weightGradients.Slice(i * width, width);
                        TensorPrimitives.MultiplyAdd(delta, x, row, row);
                    }

                    if (l > 0)
                    {
                        // The input is a ReLU output: its derivative is 1 where it is positive, else 0.
                        previous[i] = x > 0f ? TensorPrimitives.Dot(weights.Slice(i * width, width), delta) : 0f;
                    }
                }

                if (l > 0)
                {
                    previous.CopyTo(_delta);
                    delta = _delta.AsSpan(0, layer.InputSize);
                }
            }
        }
    }
}

/// <summary>What <see cref="MlpTrainer.Train"/> produced.</summary>
/// <param name="Model">The trained model.</param>
/// <param name="EpochLosses">Mean training cross-entropy of each epoch (measured while training).</param>
/// <param name="EpochAccuracies">Training accuracy of each epoch (measured while training).</param>
/// <param name="Elapsed">Wall-clock training time.</param>
public sealed record MlpTrainingResult(MlpModel Model, IReadOnlyList<double> EpochLosses, IReadOnlyList<double> EpochAccuracies, TimeSpan Elapsed);
