using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using ModelKit;
using ModelKit.AotSmoke;

// Usage: ModelKit.AotSmoke <mnist.onnx> <pixels.f32>: 784 little-endian float32 pixels (0..255) in, the ten logits out (one per
// line, round-trip format), then how the code ran ("native-aot" when published with PublishAot).
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ModelKit.AotSmoke <mnist.onnx> <pixels.f32>");
    return 2;
}

byte[] bytes = File.ReadAllBytes(args[1]);
if (bytes.Length != 784 * sizeof(float))
{
    Console.Error.WriteLine($"'{args[1]}' has {bytes.Length} bytes; 784 float32 pixels are {784 * sizeof(float)}.");
    return 2;
}

var services = new ServiceCollection();
services.AddModelKit(kit => kit.AddModel<IDigits>(model => model.Path = args[0]));
using var provider = services.BuildServiceProvider();
var digits = provider.GetRequiredService<IDigits>();

var image = new DigitImage { Pixels = MemoryMarshal.Cast<byte, float>(bytes).ToArray() };
var scores = digits.Predict(image);
var asynchronous = await digits.PredictAsync(image).ConfigureAwait(false);
if (!scores.Logits.AsSpan().SequenceEqual(asynchronous.Logits))
{
    Console.Error.WriteLine("Predict and PredictAsync disagree.");
    return 1;
}

foreach (float logit in scores.Logits)
{
    Console.WriteLine(logit.ToString("R", CultureInfo.InvariantCulture));
}

Console.WriteLine(RuntimeFeature.IsDynamicCodeSupported ? "jit" : "native-aot");
return 0;
