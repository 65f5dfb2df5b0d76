using System.Globalization;
using System.Text;
using ModelKit.OnnxFormat;

namespace ModelKit.Build;

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
internal static class SignatureSidecar
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
