using BenchmarkDotNet.Running;
using ModelKit.Benchmarks;

// dotnet run -c Release --project tests/ModelKit.Benchmarks -- --filter '*'    (BenchmarkDotNet suites)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- load             (batching load test)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- alloc            (bytes per call on the user path, quick)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- pooling          (remote client connection pooling)
// dotnet run -c Release --project tests/ModelKit.Benchmarks -- vad-alloc [N]    (bytes per VAD frame over sequences, client and server apart)
if (args.Length > 0 && args[0] == "load")
{
    return await LoadTest.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "alloc")
{
    return AllocationProbe.Run();
}

if (args.Length > 0 && args[0] == "vad-alloc")
{
    return await VadAllocationProbe.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "vad-alloc-server")
{
    return await VadAllocationProbe.ServeAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "pooling")
{
    return await PoolingLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
