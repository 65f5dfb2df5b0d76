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
    /// <summary>
    /// The <c>ModelKitModel</c> items: the .onnx path, with metadata <c>Name</c> (the contract's model name) and, from the
    /// targets, <c>ModelKitName</c> (the name, defaulted) and <c>ModelKitSignature</c> (the sidecar's path).
    /// </summary>
    [Required]
    public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Where sidecars go when an item carries no <c>ModelKitSignature</c> (under obj/).</summary>
    public string OutputDirectory { get; set; } = string.Empty;

    /// <summary>The sidecars written or already up to date.</summary>
    [Output]
    public ITaskItem[] Signatures { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        var written = new System.Collections.Generic.List<ITaskItem>();
        foreach (var model in Models)
        {
            string path = model.GetMetadata("FullPath");
            string name = model.GetMetadata("ModelKitName");
            if (string.IsNullOrWhiteSpace(name))
            {
                name = model.GetMetadata("Name");
            }

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

            // The targets name the sidecar (ModelKitSignature), so the file written is the AdditionalFile they add.
            string sidecar = model.GetMetadata("ModelKitSignature");
            if (string.IsNullOrEmpty(sidecar))
            {
                sidecar = Path.Combine(OutputDirectory, SafeFileName(name) + ".modelkit-signature");
            }

            string? directory = Path.GetDirectoryName(Path.GetFullPath(sidecar));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

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
