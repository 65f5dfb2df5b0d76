using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelKit.OnnxFormat;

namespace ModelKit.Build;

/// <summary>
/// Reads the graph signature of each <c>ModelKitModel</c> item (names, element types, shapes; never the weights) and writes
/// a small text sidecar that reaches ModelKit's source generator as an AdditionalFile. The generator never reads files itself.
/// </summary>
public sealed class WriteModelSignatures : Microsoft.Build.Utilities.Task
{
    /// <summary>The <c>ModelKitModel</c> items: the .onnx path, with metadata <c>Name</c> (the contract's model name).</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Where the sidecars go (under obj/).</summary>
    [Required]
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The sidecars written or already up to date.</summary>
    [Output]
    public ITaskItem[] Signatures { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        Directory.CreateDirectory(OutputDirectory);
        var written = new System.Collections.Generic.List<ITaskItem>();
        foreach (var model in Models)
        {
            string path = model.GetMetadata("FullPath");
            string name = model.GetMetadata("Name");
            if (string.IsNullOrWhiteSpace(name))
            {
                name = Path.GetFileNameWithoutExtension(path);
            }

            if (!File.Exists(path))
            {
                Log.LogError(null, "MK3900", null, model.ItemSpec, 0, 0, 0, 0, "ModelKitModel '{0}' (model '{1}') does not exist.", model.ItemSpec, name);
                continue;
            }

            OnnxModelSignature signature;
            try
            {
                signature = OnnxSignatureReader.Read(path);
            }
            catch (Exception ex) when (ex is OnnxFormatException || ex is IOException)
            {
                Log.LogError(null, "MK3901", null, model.ItemSpec, 0, 0, 0, 0, "ModelKitModel '{0}' is not a readable ONNX model: {1}", model.ItemSpec, ex.Message);
                continue;
            }

            string sidecar = Path.Combine(OutputDirectory, SafeFileName(name) + ".modelkit-signature");
            string text = SignatureSidecar.Format(name, model.ItemSpec, signature);
            if (!File.Exists(sidecar) || File.ReadAllText(sidecar) != text)
            {
                File.WriteAllText(sidecar, text, new UTF8Encoding(false));
            }

            var item = new TaskItem(sidecar);
            item.SetMetadata("ModelKitModelName", name);
            written.Add(item);
        }

        Signatures = written.ToArray();
        return !Log.HasLoggedErrors;
    }

    private static string SafeFileName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
    }
}

/// <summary>
/// The sidecar format (UTF-8, one record per line, fields separated by tabs):
/// <code>
/// modelkit-signature	1
/// model	mnist
/// source	models/mnist.onnx
/// input	Input3	tensor	float	1,1,28,28
/// output	Plus214_Output_0	tensor	float	?N,10
/// </code>
/// Dimensions: a number, <c>?name</c> for a symbolic dimension, <c>?</c> for an unnamed dynamic one; <c>*</c> for an unknown rank;
/// an empty field for a scalar.
/// </summary>
public static class SignatureSidecar
{
    public const int Version = 1;

    public static string Format(string modelName, string source, OnnxModelSignature signature)
    {
        var builder = new StringBuilder();
        builder.Append("modelkit-signature\t").Append(Version.ToString(CultureInfo.InvariantCulture)).Append('\n');
        builder.Append("model\t").Append(modelName).Append('\n');
        builder.Append("source\t").Append(source.Replace('\\', '/')).Append('\n');
        foreach (var input in signature.Inputs)
        {
            Append(builder, "input", input);
        }

        foreach (var output in signature.Outputs)
        {
            Append(builder, "output", output);
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string kind, OnnxValueInfo value)
    {
        builder.Append(kind).Append('\t').Append(value.Name).Append('\t')
            .Append(value.Kind.ToString().ToLowerInvariant()).Append('\t')
            .Append(OnnxDataTypes.Name(value.ElementType)).Append('\t');
        if (!value.HasShape)
        {
            builder.Append('*');
        }
        else
        {
            for (int i = 0; i < value.Shape.Length; i++)
            {
                if (i > 0)
                {
                    builder.Append(',');
                }

                if (value.Shape[i] >= 0)
                {
                    builder.Append(value.Shape[i].ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.Append('?').Append(i < value.DimensionNames.Count ? value.DimensionNames[i] : null);
                }
            }
        }

        builder.Append('\n');
    }
}
