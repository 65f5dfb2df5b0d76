using System.CommandLine;
using ModelKit.Cli.Commands;

var root = new RootCommand("ModelKit: serve ONNX models over the Open Inference Protocol (KServe v2), inspect them.")
{
    ServeCommand.Create(),
    InspectCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
