using System.Globalization;
using System.Text;

namespace ModelKit.Generators.Emitting
{
    /// <summary>
    /// The names of generated files. Each is built from the contract's metadata name (namespace and interface, unescaped):
    /// sanitised to <c>[A-Za-z0-9_.]</c>, cut to <see cref="MaxStemLength"/> characters, and followed by a hash of the exact
    /// metadata name, so that names are valid file names, unique even where Roslyn compares hint names ignoring case
    /// (<c>IOcr</c> and <c>IOCR</c>), and short enough for <c>EmitCompilerGeneratedFiles</c> on any file system.
    /// </summary>
    internal static class HintNames
    {
        /// <summary>The most characters of the sanitised metadata name kept (its end: the interface's name).</summary>
        public const int MaxStemLength = 64;

        private const string ClientSuffix = ".ModelKit.g.cs";
        private const string ScaffoldSuffix = ".Scaffold.g.cs";

        /// <summary>The client's file, e.g. <c>Samples.IDigitClassifier.1a2b3c4d.ModelKit.g.cs</c>.</summary>
        public static string Client(string metadataName) => Stem(metadataName) + ClientSuffix;

        /// <summary>The scaffolded types' file, e.g. <c>Samples.IMnist.5e6f7a8b.Scaffold.g.cs</c>.</summary>
        public static string Scaffold(string metadataName) => Stem(metadataName) + ScaffoldSuffix;

        /// <summary>The scaffold file beside a client file.</summary>
        public static string ScaffoldOf(string clientHintName) =>
            clientHintName.Substring(0, clientHintName.Length - ClientSuffix.Length) + ScaffoldSuffix;

        /// <summary>The sanitised, bounded metadata name and its hash.</summary>
        public static string Stem(string metadataName)
        {
            var builder = new StringBuilder(metadataName.Length);
            foreach (char c in metadataName)
            {
                builder.Append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ? c : '_');
            }

            string sanitised = builder.ToString();
            if (sanitised.Length > MaxStemLength)
            {
                sanitised = sanitised.Substring(sanitised.Length - MaxStemLength).TrimStart('.');
            }

            return sanitised + "." + Hash(metadataName).ToString("x8", CultureInfo.InvariantCulture);
        }

        /// <summary>FNV-1a (32 bits) over the UTF-16 code units: stable across processes and platforms, unlike <c>string.GetHashCode</c>.</summary>
        public static uint Hash(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text)
            {
                hash = (hash ^ (c & 0xFFu)) * 16777619;
                hash = (hash ^ ((uint)c >> 8)) * 16777619;
            }

            return hash;
        }
    }
}
