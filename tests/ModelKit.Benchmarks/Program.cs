using BenchmarkDotNet.Running;
using ModelKit.Benchmarks;

// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*'    (BenchmarkDotNet suites)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- load             (batching load test)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- alloc            (bytes per call on the user path, quick)
if (args.Length > 0 && args[0] == "load")
{
    return await LoadTest.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "alloc")
{
    return AllocationProbe.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
