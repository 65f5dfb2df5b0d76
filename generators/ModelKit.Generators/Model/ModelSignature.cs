namespace ModelKit.Generators.Model
{
    /// <summary>
    /// A model's graph signature as the build step wrote it (<c>obj/…/modelkit/&lt;name&gt;.modelkit-signature</c>, an AdditionalFile):
    /// plain, equatable data parsed in the pipeline's transform.
    /// </summary>
    /// <param name="ModelName">The model's name (<c>ModelKitModel</c>'s <c>Name</c>, matched against <c>[ModelContract("name")]</c>).</param>
    /// <param name="Source">The model file as the project lists it, e.g. <c>models/mnist.onnx</c>.</param>
    /// <param name="Path">The sidecar's path.</param>
    /// <param name="Inputs">The graph's inputs, in order (initializers excluded).</param>
    /// <param name="Outputs">The graph's outputs, in order.</param>
    /// <param name="Error">Why the sidecar could not be read; null when it was.</param>
    internal sealed record ModelSignature(
        string ModelName,
        string Source,
        string Path,
        EquatableArray<SignatureTensor> Inputs,
        EquatableArray<SignatureTensor> Outputs,
        string? Error);

    /// <summary>One input or output of a model.</summary>
    /// <param name="Name">The tensor's name in the graph.</param>
    /// <param name="Kind">The value kind: <c>tensor</c>, <c>sequence</c>, <c>map</c>…</param>
    /// <param name="ElementType">ONNX's lower-case element type name: <c>float</c>, <c>int64</c>, <c>bfloat16</c>…</param>
    /// <param name="HasShape">Whether the rank is known.</param>
    /// <param name="Dimensions">Each dimension: a number, <c>?name</c> for a symbolic dimension, <c>?</c> for an unnamed dynamic one.</param>
    internal sealed record SignatureTensor(string Name, string Kind, string ElementType, bool HasShape, EquatableArray<string> Dimensions)
    {
        /// <summary>The rank, or -1 when unknown.</summary>
        public int Rank => HasShape ? Dimensions.Count : -1;

        /// <summary>Dimension <paramref name="index"/> when fixed; -1 when dynamic.</summary>
        public long FixedDimension(int index)
        {
            string text = Dimensions[index];
            return text.Length > 0 && text[0] != '?' && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) ? value : -1;
        }

        /// <summary>Whether every dimension is fixed (and the rank known).</summary>
        public bool IsFullyFixed
        {
            get
            {
                if (!HasShape)
                {
                    return false;
                }

                for (int i = 0; i < Dimensions.Count; i++)
                {
                    if (FixedDimension(i) < 0)
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        /// <summary>The shape for messages: <c>[N,1,28,28]</c>, <c>[?,10]</c>, <c>[]</c> for a scalar, <c>(unknown rank)</c>.</summary>
        public string ShapeText
        {
            get
            {
                if (!HasShape)
                {
                    return "(unknown rank)";
                }

                var parts = new string[Dimensions.Count];
                for (int i = 0; i < parts.Length; i++)
                {
                    string text = Dimensions[i];
                    parts[i] = text.Length > 1 && text[0] == '?' ? text.Substring(1) : text;
                }

                return "[" + string.Join(",", parts) + "]";
            }
        }
    }
}
