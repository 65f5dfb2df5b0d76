using System.Diagnostics;

namespace ModelKit.Operations.Tests;

/// <summary>Waits for a condition another thread or process brings about, polling, with a deadline that fails the test.</summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out waiting for {what ?? "the condition"}.");
            }

            await Task.Delay(10);
        }
    }
}
