using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Emitting;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>
    /// The transform of the pipeline: reads one <c>[ModelContract]</c> interface and its input/output types into a
    /// <see cref="ContractResult"/> of plain, equatable data. Symbols and syntax live only for the duration of <see cref="Parse"/>.
    /// </summary>
    internal sealed partial class ContractParser
    {
        private readonly Compilation _compilation;

        private readonly INamedTypeSymbol _contract;
        private readonly CancellationToken _cancellationToken;
        private readonly List<DiagnosticInfo> _diagnostics = new List<DiagnosticInfo>();
        private ContractCheck? _check;
        private readonly Dictionary<ITypeSymbol, TypeAnalysis>[] _types =
        {
            new Dictionary<ITypeSymbol, TypeAnalysis>(SymbolEqualityComparer.Default),
            new Dictionary<ITypeSymbol, TypeAnalysis>(SymbolEqualityComparer.Default),
            new Dictionary<ITypeSymbol, TypeAnalysis>(SymbolEqualityComparer.Default),
        };

        private ContractParser(Compilation compilation, INamedTypeSymbol contract, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            _contract = contract;
            _cancellationToken = cancellationToken;
        }

        private enum Direction
        {
            /// <summary>Members read and sent to the model.</summary>
            Input = 0,

            /// <summary>Members of a created output type, assigned from the model's outputs.</summary>
            Result = 1,

            /// <summary>Members of an <c>[Output]</c> object: pre-allocated memory the model writes into.</summary>
            Destination = 2,
        }

        /// <summary>The pipeline transform.</summary>
        public static ContractResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var contract = (INamedTypeSymbol)context.TargetSymbol;
            if (!IsFirstMarkedDeclaration(contract, context.TargetNode))
            {
                return Skipped; // [ModelContract] repeated on another partial declaration (CS0579): the contract is parsed once
            }

            var parser = new ContractParser(context.SemanticModel.Compilation, contract, cancellationToken);
            var model = parser.Run((TypeDeclarationSyntax)context.TargetNode, context.Attributes);
            return new ContractResult(model, parser._diagnostics.ToEquatableArray(), model is null ? null : parser._check);
        }

        private static readonly ContractResult Skipped = new ContractResult(null, EquatableArray<DiagnosticInfo>.Empty, null);

        /// <summary>Whether <paramref name="node"/> carries the contract's first <c>[ModelContract]</c> (in declaration order).</summary>
        private static bool IsFirstMarkedDeclaration(INamedTypeSymbol contract, SyntaxNode node)
        {
            foreach (var attribute in contract.GetAttributes())
            {
                if (attribute.AttributeClass is { } type && TensorTypes.Is(type, "ModelKit", "ModelContractAttribute") && attribute.ApplicationSyntaxReference is { } reference)
                {
                    return reference.SyntaxTree == node.SyntaxTree && node.Span.Contains(reference.Span);
                }
            }

            return true;
        }

        private ContractModel? Run(TypeDeclarationSyntax syntax, ImmutableArray<AttributeData> attributes)
        {
            var identifier = syntax.Identifier.GetLocation();
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ContractMustBePartial, identifier, _contract.Name);
                return null;
            }

            if (syntax.SyntaxTree.Options is CSharpParseOptions options && options.LanguageVersion < MinimumLanguageVersion)
            {
                Report(DiagnosticDescriptors.LanguageVersionTooLow, identifier, _contract.Name, options.LanguageVersion.ToDisplayString());
                return null;
            }

            if (_contract.IsFileLocal)
            {
                Report(DiagnosticDescriptors.ContractFileLocal, identifier, _contract.Name);
                return null;
            }

            if (_contract.ContainingType is { } outer)
            {
                Report(DiagnosticDescriptors.ContractNested, identifier, _contract.Name, outer.ToDisplayString(TensorTypes.MessageFormat));
                return null;
            }

            if (_contract.TypeParameters.Length > 0)
            {
                Report(DiagnosticDescriptors.ContractGeneric, identifier, _contract.Name);
                return null;
            }

            if (attributes.IsEmpty || attributes[0].ConstructorArguments.Length != 1)
            {
                return null; // the compiler reports the malformed attribute
            }

            bool generate = true;
            string? modelName = attributes[0].ConstructorArguments[0].Value as string;
            if (modelName is null || modelName.Trim().Length == 0)
            {
                Report(DiagnosticDescriptors.ModelNameEmpty, AttributeLocation(attributes[0]) ?? identifier, _contract.Name);
                generate = false;
            }

            string clientName = ClientNameOf(_contract.Name);
            if (ClientNameTaken(clientName))
            {
                string ns = _contract.ContainingNamespace.IsGlobalNamespace ? "<global namespace>" : _contract.ContainingNamespace.ToDisplayString();
                Report(DiagnosticDescriptors.ClientNameCollision, identifier, _contract.Name, clientName, ns);
                generate = false;
            }
            else
            {
                clientName = ClientNameFreeOfMembers(clientName);
            }

            CheckHiddenContractMembers();

            foreach (var inherited in _contract.AllInterfaces)
            {
                if (!TensorTypes.Is(inherited.OriginalDefinition, "ModelKit", "IModelContract`1") && HasAbstractMembers(inherited))
                {
                    Report(DiagnosticDescriptors.InheritedMembers, identifier, _contract.Name, inherited.ToDisplayString(TensorTypes.MessageFormat));
                    generate = false;
                }
            }

            var operations = new List<OperationBuilder>();
            foreach (var member in _contract.GetMembers())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (!member.IsAbstract)
                {
                    continue; // default implementations and static helpers are the user's own code
                }

                switch (member)
                {
                    case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                        if (method.IsStatic)
                        {
                            Report(DiagnosticDescriptors.UnsupportedContractMember, SourceLocation(method), Display(method), "static abstract members cannot be generated");
                            generate = false;
                        }
                        else if (method.IsGenericMethod)
                        {
                            Report(DiagnosticDescriptors.GenericMethod, SourceLocation(method), Display(method));
                            generate = false;
                        }
                        else
                        {
                            operations.Add(ParseOperation(method));
                        }

                        break;
                    case IMethodSymbol:
                        break; // accessors: reported on their property or event
                    case IPropertySymbol property:
                        Report(DiagnosticDescriptors.UnsupportedContractMember, SourceLocation(property), Display(property),
                            property.IsIndexer ? "indexers cannot be generated" : "properties cannot be generated; declare a method, or give the property a default implementation");
                        generate = false;
                        break;
                    case IEventSymbol @event:
                        Report(DiagnosticDescriptors.UnsupportedContractMember, SourceLocation(@event), Display(@event), "events cannot be generated");
                        generate = false;
                        break;
                }
            }

            ResolveInferredNames(operations);
            foreach (var operation in operations)
            {
                CheckDuplicates(operation, operation.Inputs, "inputs");
                CheckDuplicates(operation, operation.Outputs, "outputs");
            }

            if (!generate)
            {
                return null;
            }

            _check = BuildCheck(modelName!, identifier, operations);

            string? containingNamespace = _contract.ContainingNamespace.IsGlobalNamespace ? null : _contract.ContainingNamespace.ToDisplayString();
            string fullName = _contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            string hintName = HintNames.Client(MetadataName(_contract));
            var scaffold = operations.Count == 0 && !HasAnyMethodDeclared() ? ScaffoldNamesFor() : null;
            return new ContractModel(containingNamespace, Identifier(_contract.Name), fullName, clientName, modelName!, hintName, BuildOperations(operations), scaffold);
        }

        private bool HasAnyMethodDeclared()
        {
            foreach (var member in _contract.GetMembers())
            {
                if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary })
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The language version the generated code needs: C# 11 (static abstract interface members).</summary>
        internal const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp11;

        /// <summary>The namespace-qualified metadata name, unescaped (<c>V.event.IKw</c>), which names the generated files.</summary>
        private static string MetadataName(INamedTypeSymbol type)
        {
            string name = type.MetadataName;
            for (var ns = type.ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            {
                name = ns.MetadataName + "." + name;
            }

            return name;
        }

        /// <summary>
        /// Members that hide what the generated part implements from <c>IModelContract&lt;T&gt;</c> (<c>Descriptor</c>,
        /// <c>CreateClient(IInferenceBackend)</c>, <c>AddBackends(ModelKitBuilder)</c>): CS0108 once the generated part adds the base
        /// interface, unless declared <c>new</c>.
        /// </summary>
        private void CheckHiddenContractMembers()
        {
            foreach (var member in _contract.GetMembers())
            {
                if (member.IsImplicitlyDeclared || member is IMethodSymbol { MethodKind: not MethodKind.Ordinary })
                {
                    continue;
                }

                string? hidden = member.Name switch
                {
                    "Descriptor" => "Descriptor",
                    "CreateClient" when member is IMethodSymbol { Parameters.Length: 1 } m && TensorTypes.Is(m.Parameters[0].Type, "ModelKit", "IInferenceBackend") => "CreateClient(IInferenceBackend)",
                    "AddBackends" when member is IMethodSymbol { Parameters.Length: 1 } m && TensorTypes.Is(m.Parameters[0].Type, "ModelKit", "ModelKitBuilder") => "AddBackends(ModelKitBuilder)",
                    _ => null,
                };

                if (hidden is not null && !DeclaredNew(member))
                {
                    Report(DiagnosticDescriptors.HidesContractMember, SourceLocation(member), Display(member), hidden);
                }
            }
        }

        private bool DeclaredNew(ISymbol member)
        {
            foreach (var reference in member.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(_cancellationToken) is MemberDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.NewKeyword))
                {
                    return true;
                }

                if (reference.GetSyntax(_cancellationToken).Parent?.Parent is MemberDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.NewKeyword))
                {
                    return true; // an event field's variable declarator
                }
            }

            return false;
        }

        private static bool HasAbstractMembers(INamedTypeSymbol type)
        {
            foreach (var member in type.GetMembers())
            {
                if (member.IsAbstract)
                {
                    return true;
                }
            }

            return false;
        }

        private static AttributeData? FindAttribute(ImmutableArray<AttributeData> attributes, string name)
        {
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is { } type && TensorTypes.Is(type, "ModelKit", name))
                {
                    return attribute;
                }
            }

            return null;
        }

        private Location? AttributeLocation(AttributeData attribute) =>
            attribute.ApplicationSyntaxReference?.GetSyntax(_cancellationToken).GetLocation();

        private static Location SourceLocation(ISymbol symbol, Location? fallback = null)
        {
            foreach (var location in symbol.Locations)
            {
                if (location.IsInSource)
                {
                    return location;
                }
            }

            return fallback ?? Location.None;
        }

        private static string Display(ISymbol member) => member.ContainingType.Name + "." + member.Name;

        private static string FormatShape(List<long> shape)
        {
            var parts = new string[shape.Count];
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
            }

            return "[" + string.Join(",", parts) + "]";
        }

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments)));
    }
}
