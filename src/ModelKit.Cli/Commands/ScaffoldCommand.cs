using System.CommandLine;
using ModelKit.Build;
using ModelKit.Generators.Parsing;
using ModelKit.Generators.Scaffolding;
using ModelKit.OnnxFormat;

namespace ModelKit.Cli.Commands;

/// <summary>
/// <c>modelkit scaffold &lt;model.onnx&gt; [--name mnist] [--namespace Models] [--contract IMnist]</c>: prints the contract the
/// generator scaffolds for an empty <c>[ModelContract]</c> of the model (the generator's own emitter and sidecar format,
/// compiled into the tool), for users who prefer to own the source.
/// </summary>
internal static class ScaffoldCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The .onnx file." };
        var name = new Option<string?>("--name") { Description = "The model name ([ModelContract(\"name\")], the ModelKitModel's Name); default: the file name without extension." };
        var ns = new Option<string?>("--namespace") { Description = "The namespace of the contract; default: none." };
        var contract = new Option<string?>("--contract") { Description = "The interface name; default: I + the model name in PascalCase." };
        var command = new Command("scaffold", "Print a [ModelContract] interface with input and output types for a model's signature.") { model, name, ns, contract };
        command.SetAction(result => Run(result.GetRequiredValue(model), result.GetValue(name), result.GetValue(ns), result.GetValue(contract), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(FileInfo file, string? name, string? ns, string? contract, TextWriter output, TextWriter error)
    {
        if (!file.Exists)
        {
            error.WriteLine($"modelkit scaffold: no file at '{file.FullName}'.");
            return 2;
        }

        string modelName = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(file.Name) : name.Trim();
        string interfaceName = string.IsNullOrWhiteSpace(contract) ? "I" + ScaffoldEmitter.MemberName(modelName) : contract.Trim();
        if (!IsIdentifier(interfaceName) || (ns is not null && !ns.Split('.').All(IsIdentifier)))
        {
            error.WriteLine($"modelkit scaffold: '{(IsIdentifier(interfaceName) ? ns : interfaceName)}' is not a valid C# name.");
            return 2;
        }

        OnnxModelSignature onnx;
        try
        {
            onnx = OnnxSignatureReader.Read(file.FullName);
        }
        catch (OnnxFormatException ex)
        {
            error.WriteLine($"modelkit scaffold: '{file.Name}' is not a valid ONNX model: {ex.Message}");
            return 1;
        }

        // The same path as a build: the sidecar text the build step writes, read by the generator's parser.
        var signature = SignatureParser.Parse(modelName + SignatureParser.Extension, SignatureSidecar.Format(modelName, file.Name, onnx));
        if (!ScaffoldEmitter.CanScaffold(signature))
        {
            error.WriteLine($"modelkit scaffold: model '{modelName}' has inputs or outputs that are not tensors of a .NET element type; declare the contract yourself (see `modelkit inspect`).");
            return 1;
        }

        string stem = ScaffoldEmitter.TypeStem(interfaceName);
        output.Write(ScaffoldEmitter.Emit(ScaffoldEmitter.Mode.Source, string.IsNullOrWhiteSpace(ns) ? null : ns.Trim(), interfaceName, "public", modelName, stem + "Input", stem + "Output", signature, string.Empty));
        return 0;
    }

    private static bool IsIdentifier(string text) =>
        text.Length > 0 && (char.IsLetter(text[0]) || text[0] == '_') && text.All(static c => char.IsLetterOrDigit(c) || c == '_');
}
