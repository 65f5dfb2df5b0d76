using System.CommandLine;
using ModelKit.Cli.Commands;

var root = new RootCommand("ModelKit: serve ONNX models over the Open Inference Protocol (KServe v2), inspect them, scaffold typed contracts.")
{
    ServeCommand.Create(),
    InspectCommand.Create(),
    ScaffoldCommand.Create(),
    BenchCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
