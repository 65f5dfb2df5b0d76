using ModelKit.Samples.Mnist;

namespace ModelKit.Samples.ConsoleApp;

/// <summary>
/// Draws training progress: a bar redrawn in place on a terminal, one line per epoch when the output is redirected.
/// Reports arrive on the training thread (synchronously), so lines never interleave.
/// </summary>
internal sealed class ConsoleTrainingProgress(TextWriter output, bool interactive) : IProgress<TrainingProgress>
{
    private const int Width = 30;
    private int _lastEpochPrinted;

    public void Report(TrainingProgress value)
    {
        if (interactive)
        {
            int filled = (int)Math.Round(value.FractionDone * Width);
            output.Write($"\r  [{new string('#', filled)}{new string('.', Width - filled)}] {value.FractionDone,4:P0}  epoch {value.Epoch,2}/{value.Epochs}  loss {value.Loss:F4}  train accuracy {value.Accuracy:P1}   ");
            if (value.FractionDone >= 1)
            {
                output.WriteLine();
            }
        }
        else if (value.IsEpochEnd && value.Epoch != _lastEpochPrinted)
        {
            _lastEpochPrinted = value.Epoch;
            output.WriteLine($"  epoch {value.Epoch,2}/{value.Epochs} ({value.FractionDone,4:P0})  loss {value.Loss:F4}  train accuracy {value.Accuracy:P1}");
        }
    }
}
