using System.CommandLine;
using System.Text.Json;
using ModelKit.OnnxFormat;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Cli.Commands;

/// <summary><c>modelkit inspect &lt;model.onnx&gt;</c>: prints a model's inputs and outputs with protocol datatypes and shapes, without loading its weights.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "The .onnx file." };
        var json = new Option<bool>("--json") { Description = "Print the model metadata as the server's GET /v2/models/{name} would." };
        var command = new Command("inspect", "Print a model's inputs and outputs (datatypes, shapes with -1 for dynamic dimensions).") { model, json };
        command.SetAction(result => Run(result.GetRequiredValue(model), result.GetValue(json), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(FileInfo file, bool json, TextWriter output, TextWriter error)
    {
        if (!file.Exists)
        {
            error.WriteLine($"modelkit inspect: no file at '{file.FullName}'.");
            return 2;
        }

        OnnxModelSignature signature;
        try
        {
            signature = OnnxSignatureReader.Read(file.FullName);
        }
        catch (OnnxFormatException ex)
        {
            error.WriteLine($"modelkit inspect: '{file.Name}' is not a valid ONNX model: {ex.Message}");
            return 1;
        }

        string name = Path.GetFileNameWithoutExtension(file.Name);
        if (json)
        {
            var metadata = new ModelMetadataResponse
            {
                Name = name,
                Platform = ProtocolNames.OnnxPlatform,
                Inputs = signature.Inputs.Select(ToMetadata).ToList(),
                Outputs = signature.Outputs.Select(ToMetadata).ToList(),
            };
            output.WriteLine(JsonSerializer.Serialize(metadata, IndentedContext.Default.ModelMetadataResponse));
            return 0;
        }

        output.WriteLine($"{file.Name}: producer {signature.ProducerName ?? "?"} {signature.ProducerVersion}, IR v{signature.IrVersion}, opset {signature.OpsetVersion}, graph '{signature.GraphName}', {signature.InitializerCount} initializers");
        int width = signature.Inputs.Concat(signature.Outputs).Select(static v => v.Name.Length).DefaultIfEmpty(0).Max();
        Write(output, "inputs", signature.Inputs, width);
        Write(output, "outputs", signature.Outputs, width);
        return 0;
    }

    private static void Write(TextWriter output, string title, IReadOnlyList<OnnxValueInfo> values, int width)
    {
        output.WriteLine($"{title}:");
        foreach (var value in values)
        {
            if (value.Kind != OnnxValueKind.Tensor)
            {
                output.WriteLine($"  {value.Name.PadRight(width)}  {value.TypeText} (not a tensor: not servable over the Open Inference Protocol)");
                continue;
            }

            string datatype = Datatype(value.ElementType);
            string shape = value.HasShape ? TensorShape.Format(Shape(value)) : "(unknown rank)";
            bool symbolic = value.DimensionNames.Any(static d => d is not null);
            output.WriteLine($"  {value.Name.PadRight(width)}  {datatype,-6} {shape}{(symbolic ? $"  dims {value.ShapeText}" : string.Empty)}");
        }
    }

    private static TensorMetadata ToMetadata(OnnxValueInfo value) => new()
    {
        Name = value.Name,
        Datatype = Datatype(value.ElementType),
        Shape = Shape(value),
    };

    private static long[] Shape(OnnxValueInfo value) => value.Shape.Select(static d => d < 0 ? -1L : d).ToArray();

    private static string Datatype(OnnxDataType type)
    {
        var element = (TensorElementType)(int)type;
        return Enum.IsDefined(element) && element != TensorElementType.Undefined
            ? InferenceDataTypes.FromElementType(element)
            : type.ToString().ToUpperInvariant();
    }
}

/// <summary>Indented JSON for the terminal.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ModelMetadataResponse))]
internal sealed partial class IndentedContext : System.Text.Json.Serialization.JsonSerializerContext
{
}
