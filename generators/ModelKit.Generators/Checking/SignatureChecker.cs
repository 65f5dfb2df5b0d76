using System;
using System.Collections.Generic;
using System.Globalization;
using ModelKit.Binding;
using ModelKit.Generators.Model;
using ModelKit.Generators.Scaffolding;

namespace ModelKit.Generators.Checking
{
    /// <summary>
    /// Checks a contract's tensors against its model's signature (MK3xxx): names, element types, ranks and fixed dimensions,
    /// inputs never supplied. Runs on plain data only; the diagnostics land on the members' declarations.
    /// </summary>
    internal static class SignatureChecker
    {
        public const string UnknownInput = "MK3001";
        public const string UnknownOutput = "MK3002";
        public const string ElementTypeMismatch = "MK3003";
        public const string RankMismatch = "MK3004";
        public const string DimensionMismatch = "MK3005";
        public const string InputNotSupplied = "MK3006";
        public const string SignatureUnreadable = "MK3007";
        public const string CannotScaffold = "MK3008";
        public const string ModelNotListed = "MK3009";
        public const string BinaryOnnxString = "MK3010";

        public static EquatableArray<DiagnosticInfo> Check(CheckedContract pair)
        {
            var signature = pair.Signature;
            var contract = pair.Contract;
            if (signature is null)
            {
                // The model is not listed: nothing to check, but an empty contract would stay empty (and its callers not compile).
                return contract.IsEmpty
                    ? new EquatableArray<DiagnosticInfo>(new[] { new DiagnosticInfo(ModelNotListed, contract.Location, new EquatableArray<string>(new[] { contract.InterfaceName, contract.ModelName, Listed(contract.ModelName, pair.ListedModels) })) })
                    : EquatableArray<DiagnosticInfo>.Empty;
            }

            var diagnostics = new List<DiagnosticInfo>();
            if (signature.Error is not null)
            {
                Add(diagnostics, SignatureUnreadable, contract.Location, signature.Path, signature.Error, contract.InterfaceName);
                return diagnostics.ToEquatableArray();
            }

            if (contract.IsEmpty)
            {
                CheckScaffold(diagnostics, contract, signature);
                return diagnostics.ToEquatableArray();
            }

            foreach (var operation in contract.Operations)
            {
                var supplied = new HashSet<string>(StringComparer.Ordinal);
                foreach (var tensor in operation.Inputs)
                {
                    supplied.Add(tensor.Name);
                    CheckTensor(diagnostics, tensor, signature, isOutput: false);
                }

                foreach (var tensor in operation.Outputs)
                {
                    CheckTensor(diagnostics, tensor, signature, isOutput: true);
                }

                foreach (var input in signature.Inputs)
                {
                    if (!supplied.Contains(input.Name))
                    {
                        Add(diagnostics, InputNotSupplied, operation.Location, operation.DisplayName, input.Name, signature.ModelName, input.ElementType + " " + input.ShapeText, OnnxElementTypes.Suggest(input.ElementType));
                    }
                }
            }

            return diagnostics.ToEquatableArray();
        }

        private static void CheckScaffold(List<DiagnosticInfo> diagnostics, ContractCheck contract, ModelSignature signature)
        {
            foreach (var tensor in Concat(signature.Inputs, signature.Outputs))
            {
                if (tensor.Kind != "tensor" || !OnnxElementTypes.TryGet(tensor.ElementType, out _, out _))
                {
                    string what = tensor.Kind != "tensor" ? "is a " + tensor.Kind + ", not a tensor" : "has element type '" + tensor.ElementType + "', which has no .NET tensor type";
                    Add(diagnostics, CannotScaffold, contract.Location, signature.ModelName, contract.InterfaceName, tensor.Name, what);
                }
            }
        }

        private static IEnumerable<SignatureTensor> Concat(EquatableArray<SignatureTensor> first, EquatableArray<SignatureTensor> second)
        {
            foreach (var item in first)
            {
                yield return item;
            }

            foreach (var item in second)
            {
                yield return item;
            }
        }

        private static void CheckTensor(List<DiagnosticInfo> diagnostics, TensorCheck tensor, ModelSignature signature, bool isOutput)
        {
            var candidates = isOutput ? signature.Outputs : signature.Inputs;
            string kind = isOutput ? "output" : "input";
            SignatureTensor? match = null;
            foreach (var candidate in candidates)
            {
                if (string.Equals(candidate.Name, tensor.Name, StringComparison.Ordinal))
                {
                    match = candidate;
                    break;
                }
            }

            if (match is null)
            {
                Add(diagnostics, isOutput ? UnknownOutput : UnknownInput, tensor.Location, tensor.Member, tensor.Name, signature.ModelName, Suggestion(tensor.Name, candidates, kind));
                return;
            }

            if (tensor.ElementTypeMember == "Binary" && match.ElementType == "string")
            {
                // ONNX has no bytes type: its STRING tensors hold UTF-8 text, and ONNX Runtime cannot take raw bytes.
                Add(diagnostics, BinaryOnnxString, tensor.Location, tensor.Member, kind, match.Name, signature.ModelName);
                return;
            }

            if (!OnnxElementTypes.TryGet(match.ElementType, out _, out string member) || member != tensor.ElementTypeMember)
            {
                Add(diagnostics, ElementTypeMismatch, tensor.Location, tensor.Member, tensor.ElementType, kind, match.Name, signature.ModelName, match.ElementType, OnnxElementTypes.Suggest(match.ElementType));
                return;
            }

            if (!match.HasShape)
            {
                return; // unknown rank: nothing to compare
            }

            if (tensor.IsScalar)
            {
                // A single value fits any shape whose fixed dimensions are all 1.
                for (int i = 0; i < match.Rank; i++)
                {
                    long fixedDimension = match.FixedDimension(i);
                    if (fixedDimension >= 0 && fixedDimension != 1)
                    {
                        Add(diagnostics, DimensionMismatch, tensor.Location, tensor.Member, i.ToString(CultureInfo.InvariantCulture), "1 (a single value)", kind, match.Name, signature.ModelName, match.ShapeText, fixedDimension.ToString(CultureInfo.InvariantCulture));
                        return;
                    }
                }

                return;
            }

            if (!tensor.HasShape)
            {
                return; // takes the model's shape
            }

            if (tensor.Shape.Count != match.Rank)
            {
                Add(diagnostics, RankMismatch, tensor.Location, tensor.Member, FormatShape(tensor.Shape), tensor.Shape.Count.ToString(CultureInfo.InvariantCulture), kind, match.Name, signature.ModelName, match.ShapeText, match.Rank.ToString(CultureInfo.InvariantCulture));
                return;
            }

            for (int i = 0; i < tensor.Shape.Count; i++)
            {
                long declared = tensor.Shape[i];
                long fixedDimension = match.FixedDimension(i);
                if (declared >= 0 && fixedDimension >= 0 && declared != fixedDimension)
                {
                    Add(diagnostics, DimensionMismatch, tensor.Location, tensor.Member, i.ToString(CultureInfo.InvariantCulture), declared.ToString(CultureInfo.InvariantCulture), kind, match.Name, signature.ModelName, match.ShapeText, fixedDimension.ToString(CultureInfo.InvariantCulture));
                    return;
                }
            }
        }

        /// <summary>" (no models are listed)", " (did you mean 'Mnist'? Model names are case-sensitive)" or " (the listed models are 'a', 'b')".</summary>
        internal static string Listed(string modelName, EquatableArray<string> listed)
        {
            if (listed.IsEmpty)
            {
                return " (no ModelKitModel items are listed)";
            }

            var names = new List<string>(listed.Count);
            foreach (string name in listed)
            {
                names.Add(name);
            }

            var close = NameSuggestions.Closest(modelName, names);
            if (close.Count > 0)
            {
                return " (did you mean " + NameSuggestions.Format(close) + "? Model names are case-sensitive)";
            }

            var all = new List<string>();
            for (int i = 0; i < names.Count && i < 8; i++)
            {
                all.Add("'" + names[i] + "'");
            }

            return " (the listed models are " + string.Join(", ", all) + (names.Count > 8 ? ", …" : string.Empty) + ")";
        }

        /// <summary>"; did you mean 'Input3'?" for close names, else the list of the model's names.</summary>
        internal static string Suggestion(string name, EquatableArray<SignatureTensor> candidates, string kind)
        {
            if (candidates.Count == 0)
            {
                return "; the model has no " + kind + "s";
            }

            var names = new List<string>(candidates.Count);
            foreach (var candidate in candidates)
            {
                names.Add(candidate.Name);
            }

            var close = NameSuggestions.Closest(name, names);
            if (close.Count > 0)
            {
                return "; did you mean " + NameSuggestions.Format(close) + "?";
            }

            var all = new List<string>();
            for (int i = 0; i < candidates.Count && i < 8; i++)
            {
                all.Add("'" + candidates[i].Name + "'");
            }

            return "; its " + kind + "s are " + string.Join(", ", all) + (candidates.Count > 8 ? ", …" : string.Empty);
        }

        private static string FormatShape(EquatableArray<long> shape)
        {
            var parts = new string[shape.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
            }

            return "[" + string.Join(",", parts) + "]";
        }

        private static void Add(List<DiagnosticInfo> diagnostics, string id, LocationInfo? location, params string[] arguments) =>
            diagnostics.Add(new DiagnosticInfo(id, location, new EquatableArray<string>(arguments)));
    }
}
