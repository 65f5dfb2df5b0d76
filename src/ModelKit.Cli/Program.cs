using System.CommandLine;
using ModelKit.Cli.Commands;

var root = new RootCommand("ModelKit: serve ONNX models over the Open Inference Protocol (KServe v2), inspect them, scaffold typed contracts.")
{
    ServeCommand.Create(),
    InspectCommand.Create(),
    ScaffoldCommand.Create(),
    BenchCommand.Create(),
    PullCommand.Create(),
};

// SIGTERM/Ctrl+C cancel the command; System.CommandLine's forced exit (2 s by default) waits out serve's graceful drain.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = ServeCommand.ProcessTerminationTimeout }).ConfigureAwait(false);
