using System;
using System.Collections.Generic;

namespace ModelKit.Generators.Parsing
{
    // Inside the namespace: ModelKit.ModelSignature (the runtime's) must not win where this file is compiled into the CLI.
    using ModelKit.Generators.Model;

    /// <summary>
    /// Reads a <c>.modelkit-signature</c> sidecar (written by ModelKit.Build's <c>WriteModelSignatures</c>; UTF-8, one record per
    /// line, tab-separated):
    /// <code>
    /// modelkit-signature	1
    /// model	mnist
    /// source	models/mnist.onnx
    /// input	Input3	tensor	float	1,1,28,28
    /// output	Plus214_Output_0	tensor	float	?N,10
    /// </code>
    /// Never throws: a malformed file gives a signature with <see cref="ModelSignature.Error"/> set.
    /// </summary>
    internal static class SignatureParser
    {
        /// <summary>The sidecar's file extension.</summary>
        public const string Extension = ".modelkit-signature";

        /// <summary>The format version this parser reads.</summary>
        public const int SupportedVersion = 1;

        public static bool IsSignaturePath(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

        public static ModelSignature Parse(string path, string text)
        {
            string fallbackName = FileStem(path);
            var lines = text.Replace("\r\n", "\n").Split('\n');
            if (lines.Length == 0 || !lines[0].StartsWith("modelkit-signature\t", StringComparison.Ordinal))
            {
                return Failed(fallbackName, path, "the first line is not 'modelkit-signature<TAB>version'");
            }

            string version = lines[0].Substring("modelkit-signature\t".Length).Trim();
            if (version != SupportedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return Failed(fallbackName, path, "format version '" + version + "' is not supported (this generator reads version " + SupportedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) + "); rebuild with matching ModelKit packages");
            }

            string? name = null;
            string source = string.Empty;
            var inputs = new List<SignatureTensor>();
            var outputs = new List<SignatureTensor>();
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.Length == 0)
                {
                    continue;
                }

                var fields = line.Split('\t');
                switch (fields[0])
                {
                    case "model" when fields.Length >= 2:
                        name = fields[1];
                        break;
                    case "source" when fields.Length >= 2:
                        source = fields[1];
                        break;
                    case "input" when fields.Length >= 5:
                    case "output" when fields.Length >= 5:
                        var tensor = new SignatureTensor(
                            fields[1],
                            fields[2],
                            fields[3],
                            fields[4] != "*",
                            fields[4] == "*" || fields[4].Length == 0 ? EquatableArray<string>.Empty : new EquatableArray<string>(fields[4].Split(',')));
                        (fields[0] == "input" ? inputs : outputs).Add(tensor);
                        break;
                    default:
                        return Failed(name ?? fallbackName, path, "line " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " is not a known record: '" + line + "'");
                }
            }

            if (string.IsNullOrEmpty(name))
            {
                return Failed(fallbackName, path, "it names no model");
            }

            return new ModelSignature(name!, source, path, inputs.ToEquatableArray(), outputs.ToEquatableArray(), null);
        }

        private static ModelSignature Failed(string name, string path, string error) =>
            new ModelSignature(name, string.Empty, path, EquatableArray<SignatureTensor>.Empty, EquatableArray<SignatureTensor>.Empty, error);

        private static string FileStem(string path)
        {
            int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
            string file = path.Substring(slash + 1);
            return file.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) ? file.Substring(0, file.Length - Extension.Length) : file;
        }
    }
}
