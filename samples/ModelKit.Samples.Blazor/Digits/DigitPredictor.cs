using System.Diagnostics;
using ModelKit.Samples.BlazorApp.Contracts;

namespace ModelKit.Samples.BlazorApp.Digits;

/// <summary>One answer: the digit, the ten probabilities, and what produced them.</summary>
public sealed record DigitPrediction(int Digit, float[] Probabilities, DigitModelInfo Model, InferenceLocation Location, TimeSpan Elapsed);

/// <summary>The model cannot answer now (not trained yet, no file, server down…); the message is meant for the page.</summary>
public sealed class PredictionUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Preprocesses the strokes and asks the chosen model through its generated client: resolved from DI for local inference, or
/// the same contract bound to a ModelKit server for remote inference.
/// </summary>
public sealed class DigitPredictor(IServiceProvider services, DigitModelCatalog catalog, MlpTrainingState mlp, RemoteDigitClients remote)
{
    /// <summary>Classifies the drawing.</summary>
    /// <exception cref="EmptyDrawingException">Nothing drawn.</exception>
    /// <exception cref="PredictionUnavailableException">The model or the server cannot answer; the message says why.</exception>
    public async Task<DigitPrediction> PredictAsync(
        IReadOnlyList<Stroke> strokes, PadGeometry pad, DigitModelKind kind, InferenceLocation location, CancellationToken cancellationToken)
    {
        float[] pixels = DigitPreprocessor.Preprocess(strokes, pad);
        var model = catalog.Get(kind);
        if (location == InferenceLocation.Local)
        {
            EnsureLocal(model);
        }

        long start = Stopwatch.GetTimestamp();
        float[] probabilities;
        try
        {
            probabilities = kind == DigitModelKind.Cnn
                ? DigitPreprocessor.Softmax((await Cnn(location).PredictAsync(new DigitImage { Pixels = DigitPreprocessor.Scale(pixels, model.PixelScale) }, cancellationToken).ConfigureAwait(false)).Logits)
                : (await Mlp(location).PredictAsync(new MlpDigitImage { Pixels = DigitPreprocessor.Scale(pixels, model.PixelScale) }, cancellationToken).ConfigureAwait(false)).Values;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (location == InferenceLocation.Remote)
        {
            throw new PredictionUnavailableException($"The ModelKit server at {remote.Endpoint ?? "(this app)"} did not answer: {Describe(ex)}", ex);
        }
        catch (ModelKitException ex)
        {
            throw new PredictionUnavailableException($"Model '{model.ModelName}' failed: {ex.Message}", ex);
        }

        if (probabilities.Length != 10)
        {
            throw new PredictionUnavailableException($"Model '{model.ModelName}' answered {probabilities.Length} values; a digit classifier answers 10.");
        }

        return new DigitPrediction(ArgMax(probabilities), probabilities, model, location, Stopwatch.GetElapsedTime(start));
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    // ModelKit's errors say everything in their own message; other exceptions (sockets, HTTP) get their first inner cause added.
    private static string Describe(Exception ex) =>
        ex is ModelKitException || ex.InnerException is null || ex.Message.Contains(ex.InnerException.Message, StringComparison.Ordinal)
            ? ex.Message
            : $"{ex.Message} ({ex.InnerException.Message})";

    private void EnsureLocal(DigitModelInfo model)
    {
        if (model.Kind == DigitModelKind.Cnn && model.Path is null)
        {
            throw new PredictionUnavailableException("No CNN here: put the model zoo's mnist.onnx in ../shared/models or set Sample:CnnPath.");
        }

        if (model.Kind == DigitModelKind.Mlp && !mlp.IsReady)
        {
            throw new PredictionUnavailableException(mlp.Error ?? "The MLP is still training; it is ready in a moment.");
        }
    }

    private IDigitClassifier Cnn(InferenceLocation location) =>
        location == InferenceLocation.Local ? services.GetRequiredKeyedService<IDigitClassifier>(catalog.Cnn.ModelName) : remote.Cnn;

    private IMlpDigitClassifier Mlp(InferenceLocation location) =>
        location == InferenceLocation.Local ? services.GetRequiredKeyedService<IMlpDigitClassifier>(catalog.Mlp.ModelName) : remote.Mlp;
}
