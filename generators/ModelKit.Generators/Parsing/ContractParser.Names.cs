using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>Names: the client's, scaffolded types', escaped identifiers, tensor names inferred across the contract, generated fields.</summary>
    internal sealed partial class ContractParser
    {
        /// <summary>Free names for the scaffolded input and output types: <c>MnistInput</c>, else <c>MnistModelInput</c>, else numbered.</summary>
        private ScaffoldNames ScaffoldNamesFor()
        {
            string stem = Scaffolding.ScaffoldEmitter.TypeStem(_contract.Name);
            string accessibility = _contract.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            return new ScaffoldNames(accessibility, FreeTypeName(stem, "Input"), FreeTypeName(stem, "Output"));
        }

        private string FreeTypeName(string stem, string suffix)
        {
            var ns = _contract.ContainingNamespace;
            foreach (string candidate in new[] { stem + suffix, stem + "Model" + suffix })
            {
                if (ns.GetTypeMembers(candidate).IsEmpty)
                {
                    return candidate;
                }
            }

            for (int i = 2; ; i++)
            {
                string candidate = stem + "Model" + suffix + i.ToString(CultureInfo.InvariantCulture);
                if (ns.GetTypeMembers(candidate).IsEmpty)
                {
                    return candidate;
                }
            }
        }

        /// <summary>
        /// Whether the client name exists in the namespace: a type of the user's, or the client of the sibling contract that
        /// maps to the same name (<c>IScorer</c> and <c>Scorer</c> both give <c>ScorerModelClient</c>).
        /// </summary>
        private bool ClientNameTaken(string clientName)
        {
            var ns = _contract.ContainingNamespace;
            foreach (var existing in ns.GetTypeMembers(clientName))
            {
                if (existing.Arity == 0)
                {
                    return true;
                }
            }

            string stem = clientName.Substring(0, clientName.Length - "ModelClient".Length);
            string sibling = _contract.Name == stem ? "I" + stem : stem;
            foreach (var other in ns.GetTypeMembers(sibling))
            {
                if (other.Arity == 0 && other.TypeKind == TypeKind.Interface && ClientNameOf(other.Name) == clientName)
                {
                    foreach (var attribute in other.GetAttributes())
                    {
                        if (attribute.AttributeClass is { } type && TensorTypes.Is(type, "ModelKit", "ModelContractAttribute"))
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        /// <summary>Names parameters that omit <c>[Tensor]</c> after a <c>[Tensor]</c> member of the same name (case-insensitive) elsewhere in the contract.</summary>
        private void ResolveInferredNames(List<OperationBuilder> operations)
        {
            Dictionary<string, HashSet<string>>? inputs = null;
            Dictionary<string, HashSet<string>>? outputs = null;
            foreach (var operation in operations)
            {
                Resolve(operation, operation.Inputs, isOutput: false);
                Resolve(operation, operation.Outputs, isOutput: true);
            }

            void Resolve(OperationBuilder operation, List<TensorBuilder> tensors, bool isOutput)
            {
                for (int i = tensors.Count - 1; i >= 0; i--)
                {
                    var tensor = tensors[i];
                    if (tensor.Name is not null)
                    {
                        continue;
                    }

                    var index = isOutput ? (outputs ??= Index(operations, isOutput: true)) : (inputs ??= Index(operations, isOutput: false));
                    if (tensor.InferenceKey is not null && index.TryGetValue(tensor.InferenceKey, out var names) && names.Count == 1)
                    {
                        foreach (string name in names)
                        {
                            tensor.Name = name;
                        }
                    }
                    else
                    {
                        Report(DiagnosticDescriptors.MissingTensorAttribute, tensor.Location, tensor.Subject);
                        operation.HasErrors = true;
                        tensors.RemoveAt(i);
                    }
                }
            }

            static Dictionary<string, HashSet<string>> Index(List<OperationBuilder> operations, bool isOutput)
            {
                var index = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
                foreach (var operation in operations)
                {
                    foreach (var tensor in isOutput ? operation.Outputs : operation.Inputs)
                    {
                        string? key = tensor.MemberName is not null ? tensor.MemberKey : tensor.InferenceKey;
                        if (tensor.Name is null || key is null)
                        {
                            continue;
                        }

                        if (!index.TryGetValue(key, out var names))
                        {
                            names = new HashSet<string>(StringComparer.Ordinal);
                            index.Add(key, names);
                        }

                        names.Add(tensor.Name);
                    }
                }

                return index;
            }
        }

        private void CheckDuplicates(OperationBuilder operation, List<TensorBuilder> tensors, string kind)
        {
            for (int i = 1; i < tensors.Count; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (string.Equals(tensors[i].Name, tensors[j].Name, StringComparison.Ordinal))
                    {
                        if (tensors[i].Location == tensors[j].Location && tensors[i].UsageLocation is { } usage)
                        {
                            // One member reached twice (a type used by two parameters): the method's parameter is what to change.
                            Report(DiagnosticDescriptors.DuplicateTensorName, usage, tensors[i].Name!, kind, operation.DisplayName,
                                Via(tensors[j]), Via(tensors[i]));
                            operation.HasErrors = true;
                            break;
                        }

                        Report(DiagnosticDescriptors.DuplicateTensorName, tensors[i].Location, tensors[i].Name!, kind, operation.DisplayName, tensors[j].Member, tensors[i].Member);
                        operation.HasErrors = true;
                        break;
                    }
                }
            }
        }

        /// <summary><c>DigitImage.Pixels of parameter 'first'</c>.</summary>
        private static string Via(TensorBuilder tensor) =>
            tensor.Member + " of " + (tensor.ParameterName is null ? "the return value" : "parameter '" + tensor.ParameterName + "'");

        private static string UniqueName(string name, HashSet<string> taken)
        {
            string candidate = name;
            for (int suffix = 2; !taken.Add(candidate); suffix++)
            {
                candidate = name + suffix.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }

        /// <summary>
        /// The client's name, numbered when the contract has a member of that name (a class cannot have a member named like
        /// itself, CS0542): <c>DigitClassifierModelClient2</c>.
        /// </summary>
        private string ClientNameFreeOfMembers(string clientName)
        {
            string candidate = clientName;
            for (int i = 2; !_contract.GetMembers(candidate).IsEmpty || (i > 2 && !_contract.ContainingNamespace.GetTypeMembers(candidate).IsEmpty); i++)
            {
                candidate = clientName + i.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }

        /// <summary><c>IDigitClassifier</c> → <c>DigitClassifierModelClient</c>; a name without the <c>I</c> prefix keeps its first letter.</summary>
        internal static string ClientNameOf(string contractName)
        {
            string stem = contractName.Length > 1 && contractName[0] == 'I' && char.IsUpper(contractName[1]) ? contractName.Substring(1) : contractName;
            return stem + "ModelClient";
        }

        /// <summary>An identifier as written in C#: keywords are escaped with <c>@</c>.</summary>
        internal static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
