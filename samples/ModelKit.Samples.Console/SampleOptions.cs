namespace ModelKit.Samples.ConsoleApp;

/// <summary>The command line, parsed.</summary>
/// <param name="ModelPath">A model to run instead of the seeds' MLP, or null.</param>
/// <param name="Calls">Single calls timed for the latency figures.</param>
/// <param name="Threads">ONNX Runtime intra-op threads (0 = ONNX Runtime's default).</param>
/// <param name="PixelScale">Multiplier applied to the 0..1 pixels, or null for the model's own (255 for the CNN, else 1).</param>
/// <param name="Retrain">Train the MLP again even when a cached one exists.</param>
/// <param name="ThroughputDuration">How long each batch size's throughput is measured (at least one pass over the test digits).</param>
internal sealed record SampleOptions(string? ModelPath, int Calls, int Threads, float? PixelScale, bool Retrain, TimeSpan ThroughputDuration);
