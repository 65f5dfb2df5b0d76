using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>
    /// The transform of the pipeline: reads one <c>[ModelContract]</c> interface and its input/output types into a
    /// <see cref="ContractResult"/> of plain, equatable data. Symbols and syntax live only for the duration of <see cref="Parse"/>.
    /// </summary>
    internal sealed class ContractParser
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
            var parser = new ContractParser(context.SemanticModel.Compilation, contract, cancellationToken);
            var model = parser.Run((TypeDeclarationSyntax)context.TargetNode, context.Attributes);
            return new ContractResult(model, parser._diagnostics.ToEquatableArray(), model is null ? null : parser._check);
        }

        private ContractModel? Run(TypeDeclarationSyntax syntax, ImmutableArray<AttributeData> attributes)
        {
            var identifier = syntax.Identifier.GetLocation();
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ContractMustBePartial, identifier, _contract.Name);
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
            string hintName = (containingNamespace is null ? _contract.Name : containingNamespace + "." + _contract.Name) + ".ModelKit.g.cs";
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

        private ContractCheck BuildCheck(string modelName, Location identifier, List<OperationBuilder> operations)
        {
            var checks = new List<OperationCheck>(operations.Count);
            foreach (var operation in operations)
            {
                checks.Add(new OperationCheck(
                    operation.DisplayName,
                    LocationInfo.From(SourceLocation(operation.Method)),
                    Checks(operation.Inputs),
                    Checks(operation.Outputs)));
            }

            return new ContractCheck(_contract.Name, modelName, LocationInfo.From(identifier), operations.Count == 0 && !HasAnyMethodDeclared(), checks.ToEquatableArray());

            static EquatableArray<TensorCheck> Checks(List<TensorBuilder> tensors)
            {
                var result = new List<TensorCheck>(tensors.Count);
                foreach (var tensor in tensors)
                {
                    if (tensor.Name is not null)
                    {
                        result.Add(new TensorCheck(tensor.Name, tensor.Info.ElementType, tensor.Info.ElementTypeMember, tensor.HasShape, tensor.Shape, tensor.Access == TensorAccess.Scalar, tensor.Member, LocationInfo.From(tensor.Location)));
                    }
                }

                return result.ToEquatableArray();
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

        private OperationBuilder ParseOperation(IMethodSymbol method)
        {
            string operationName = _contract.Name + "." + method.Name;
            var operation = new OperationBuilder(method, operationName);
            var methodLocation = SourceLocation(method);
            var returnLocation = (method.DeclaringSyntaxReferences.Length > 0 && method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is MethodDeclarationSyntax declaration)
                ? declaration.ReturnType.GetLocation()
                : methodLocation;

            var returnType = method.ReturnType;
            ITypeSymbol? resultType = returnType;
            if (returnType.SpecialType == SpecialType.System_Void)
            {
                resultType = null;
            }
            else if (TensorTypes.IsTaskLike(returnType, out var awaited))
            {
                operation.IsAsync = true;
                resultType = awaited;
            }

            string refKind = method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty;
            operation.ReturnType = refKind + returnType.ToDisplayString(TensorTypes.TypeFormat);

            for (int i = 0; i < method.Parameters.Length; i++)
            {
                ParseParameter(operation, method.Parameters[i], i);
            }

            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                Report(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, operationName, "ref " + returnType.ToDisplayString(TensorTypes.MessageFormat));
                operation.HasErrors = true;
            }
            else if (resultType is not null)
            {
                ParseResult(operation, method, resultType, returnLocation);
            }

            if (operation.HasUnresolvedTypes)
            {
                // The compiler reports the unknown types; shape checks would only add noise until they resolve.
                operation.HasErrors = true;
                return operation;
            }

            if (operation.IsAsync && operation.CancellationToken is null)
            {
                Report(DiagnosticDescriptors.AsyncWithoutCancellationToken, methodLocation, operationName);
                operation.HasErrors = true;
            }

            CheckBatch(operation, methodLocation);

            if (!operation.HasErrors && operation.Outputs.Count == 0)
            {
                Report(DiagnosticDescriptors.NoOutputs, methodLocation, operationName);
                operation.HasErrors = true;
            }

            return operation;
        }

        private void ParseParameter(OperationBuilder operation, IParameterSymbol parameter, int index)
        {
            var location = SourceLocation(parameter);
            var builder = new ParameterBuilder(parameter);
            operation.Parameters.Add(builder);
            string usage = $"parameter '{parameter.Name}' of '{operation.DisplayName}'";
            string subject = $"Parameter '{parameter.Name}' of '{operation.DisplayName}'";
            var type = parameter.Type;

            if (TensorTypes.ContainsError(type))
            {
                operation.HasUnresolvedTypes = true;
                return;
            }

            if (parameter.RefKind != RefKind.None)
            {
                Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName, "ref, out and in parameters are not supported; pass it by value");
                operation.HasErrors = true;
                return;
            }

            if (TensorTypes.IsCancellationToken(type))
            {
                if (operation.CancellationToken is not null)
                {
                    Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName, "a method takes at most one CancellationToken");
                    operation.HasErrors = true;
                    return;
                }

                operation.CancellationToken = builder.Name;
                builder.Role = ParameterRole.CancellationToken;
                return;
            }

            var attributes = parameter.GetAttributes();
            var tensorAttribute = FindAttribute(attributes, "TensorAttribute");
            bool isOutput = FindAttribute(attributes, "OutputAttribute") is not null;
            var info = TensorTypes.Classify(type);

            if (isOutput)
            {
                if (tensorAttribute is not null || info.Kind != TensorTypeKind.NotTensor)
                {
                    var tensor = DirectTensor(operation, info, tensorAttribute, subject, location, index, type, isOutput: true);
                    if (tensor is not null && tensor.Access != TensorAccess.Array && tensor.Access != TensorAccess.Memory)
                    {
                        Report(DiagnosticDescriptors.UnsupportedOutputDestination, location, subject, tensor.Name ?? parameter.Name);
                        operation.HasErrors = true;
                    }
                    else if (tensor is not null)
                    {
                        operation.Outputs.Add(tensor);
                    }

                    builder.Role = ParameterRole.OutputTensor;
                }
                else if (TensorTypes.IsObjectType(type))
                {
                    builder.Role = ParameterRole.OutputObject;
                    builder.NullCheck = type.IsReferenceType;
                    AddMembers(operation, operation.Outputs, type, Direction.Destination, index, location, usage);
                }
                else
                {
                    Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName,
                        "an [Output] parameter is a T[] or Memory<T> destination, or an object whose [Tensor] members are pre-allocated T[] or Memory<T>");
                    operation.HasErrors = true;
                }

                return;
            }

            if (tensorAttribute is not null || info.Kind == TensorTypeKind.Tensor)
            {
                if (tensorAttribute is not null && info.Kind == TensorTypeKind.NotTensor)
                {
                    Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject,
                        $"'{type.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type; [Tensor] marks T[], ReadOnlyMemory<T>, Memory<T>, Tensor<T> or scalar parameters (remove it to send the type's own [Tensor] members)");
                    operation.HasErrors = true;
                    return;
                }

                var tensor = DirectTensor(operation, info, tensorAttribute, subject, location, index, type, isOutput: false);
                if (tensor is not null)
                {
                    operation.Inputs.Add(tensor);
                }

                builder.Role = ParameterRole.InputTensor;
                return;
            }

            if (TensorTypes.IsObjectCollection(type, out var item, out var collection))
            {
                builder.Role = ParameterRole.BatchItems;
                builder.ItemNullCheck = item.IsReferenceType;
                operation.BatchParameter = builder;
                operation.BatchParameterCollection = collection;
                AddMembers(operation, operation.Inputs, item, Direction.Input, index, location, usage);
                return;
            }

            if (info.Kind == TensorTypeKind.Unsupported)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject, info.Reason!);
                operation.HasErrors = true;
                return;
            }

            if (TensorTypes.IsObjectType(type))
            {
                builder.Role = ParameterRole.InputObject;
                builder.NullCheck = type.IsReferenceType;
                AddMembers(operation, operation.Inputs, type, Direction.Input, index, location, usage);
                return;
            }

            Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName,
                $"'{type.ToDisplayString(TensorTypes.MessageFormat)}' is neither an input type with [Tensor] members, a tensor, a batch list nor a CancellationToken");
            operation.HasErrors = true;
        }

        private void ParseResult(OperationBuilder operation, IMethodSymbol method, ITypeSymbol resultType, Location returnLocation)
        {
            if (TensorTypes.ContainsError(resultType))
            {
                operation.HasUnresolvedTypes = true;
                return;
            }

            string subject = $"The return value of '{operation.DisplayName}'";
            string usage = $"the return value of '{operation.DisplayName}'";
            var returnAttribute = FindAttribute(method.GetReturnTypeAttributes(), "TensorAttribute");
            var info = TensorTypes.Classify(resultType);

            if (returnAttribute is not null)
            {
                if (info.Kind != TensorTypeKind.Tensor)
                {
                    Report(DiagnosticDescriptors.UnsupportedTensorType, returnLocation, subject,
                        info.Reason ?? $"'{resultType.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type; [return: Tensor] marks T[], ReadOnlyMemory<T>, Memory<T>, Tensor<T> or scalar results (remove it to return the type's own [Tensor] members)");
                    operation.HasErrors = true;
                    return;
                }

                var tensor = DirectTensor(operation, info, returnAttribute, subject, returnLocation, -1, resultType, isOutput: true);
                if (tensor is not null)
                {
                    operation.Outputs.Add(tensor);
                }

                operation.Result = ResultKind.Tensor;
                return;
            }

            if (info.Kind == TensorTypeKind.Tensor)
            {
                Report(DiagnosticDescriptors.MissingTensorAttribute, returnLocation, subject);
                operation.HasErrors = true;
                return;
            }

            if (TensorTypes.IsObjectCollection(resultType, out var item, out var collection))
            {
                operation.BatchResultCollection = collection;
                operation.Result = ResultKind.Object;
                operation.ResultType = item.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TensorTypes.TypeFormat);
                if (CheckConstructible(item, returnLocation))
                {
                    AddMembers(operation, operation.Outputs, item, Direction.Result, -1, returnLocation, usage);
                }
                else
                {
                    operation.HasErrors = true;
                }

                return;
            }

            if (TensorTypes.IsObjectType(resultType))
            {
                operation.Result = ResultKind.Object;
                operation.ResultType = resultType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TensorTypes.TypeFormat);
                if (CheckConstructible(resultType, returnLocation))
                {
                    AddMembers(operation, operation.Outputs, resultType, Direction.Result, -1, returnLocation, usage);
                }
                else
                {
                    operation.HasErrors = true;
                }

                return;
            }

            Report(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, operation.DisplayName, method.ReturnType.ToDisplayString(TensorTypes.MessageFormat));
            operation.HasErrors = true;
        }

        private void CheckBatch(OperationBuilder operation, Location methodLocation)
        {
            if (operation.BatchParameter is { } batch)
            {
                foreach (var parameter in operation.Parameters)
                {
                    if (!ReferenceEquals(parameter, batch) && parameter.Role != ParameterRole.CancellationToken)
                    {
                        Report(DiagnosticDescriptors.InvalidBatch, methodLocation, operation.DisplayName,
                            "a batch method takes only the list of inputs and an optional CancellationToken");
                        operation.HasErrors = true;
                        return;
                    }
                }

                if (operation.BatchResultCollection == CollectionKind.None && !operation.HasErrors)
                {
                    Report(DiagnosticDescriptors.InvalidBatch, methodLocation, operation.DisplayName,
                        "it takes a list of inputs, so it returns TOut[] or IReadOnlyList<TOut> of an output type");
                    operation.HasErrors = true;
                }
            }
            else if (operation.BatchResultCollection != CollectionKind.None)
            {
                Report(DiagnosticDescriptors.InvalidBatch, methodLocation, operation.DisplayName,
                    "it returns a list of results, so it takes one IReadOnlyList<TIn> or TIn[] of an input type");
                operation.HasErrors = true;
            }
        }

        /// <summary>A parameter or return value that is itself a tensor.</summary>
        private TensorBuilder? DirectTensor(OperationBuilder operation, TensorTypeInfo info, AttributeData? attribute, string subject, Location location, int parameterIndex, ITypeSymbol type, bool isOutput)
        {
            if (info.Kind == TensorTypeKind.Unsupported)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject, info.Reason!);
                operation.HasErrors = true;
                return null;
            }

            if (info.Kind == TensorTypeKind.NotTensor)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject,
                    $"'{type.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type; use T[] or Memory<T>");
                operation.HasErrors = true;
                return null;
            }

            string member = parameterIndex < 0 ? "return value" : $"parameter '{operation.Method.Parameters[parameterIndex].Name}'";
            var tensor = new TensorBuilder(info, member, parameterIndex, memberName: null, location)
            {
                InferenceKey = parameterIndex < 0 ? null : operation.Method.Parameters[parameterIndex].Name,
                IsOutput = isOutput,
                Subject = subject,
            };

            if (attribute is null)
            {
                tensor.HasShape = info.Access == TensorAccess.Scalar; // a scalar is rank 0; anything else takes the model's shape
                return tensor; // named later from a [Tensor] member of the same name elsewhere in the contract
            }

            if (!ReadTensorAttribute(attribute, subject, location, info.Access, tensor))
            {
                operation.HasErrors = true;
                return null;
            }

            return tensor;
        }

        private void AddMembers(OperationBuilder operation, List<TensorBuilder> target, ITypeSymbol type, Direction direction, int parameterIndex, Location usageLocation, string usage)
        {
            var analysis = AnalyzeType(type, direction, usageLocation);
            if (analysis.HasErrors)
            {
                operation.HasErrors = true;
                return;
            }

            if (analysis.Members.Count == 0)
            {
                Report(DiagnosticDescriptors.NoTensorMembers, usageLocation, type.ToDisplayString(TensorTypes.MessageFormat), usage);
                operation.HasErrors = true;
                return;
            }

            foreach (var member in analysis.Members)
            {
                target.Add(member.ForParameter(parameterIndex, direction != Direction.Input));
            }
        }

        private TypeAnalysis AnalyzeType(ITypeSymbol type, Direction direction, Location usageLocation)
        {
            var cache = _types[(int)direction];
            if (cache.TryGetValue(type, out var cached))
            {
                return cached;
            }

            var analysis = new TypeAnalysis();
            var chain = new List<ITypeSymbol>();
            for (var current = type; current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType; current = current.BaseType)
            {
                chain.Insert(0, current);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var declaring in chain)
            {
                foreach (var member in declaring.GetMembers())
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (member is not (IPropertySymbol or IFieldSymbol))
                    {
                        continue;
                    }

                    var attribute = FindAttribute(member.GetAttributes(), "TensorAttribute");
                    if (attribute is null || !seen.Add(member.Name))
                    {
                        continue;
                    }

                    var tensor = AnalyzeMember(type, member, attribute, direction, usageLocation);
                    if (tensor is null)
                    {
                        analysis.HasErrors = true;
                    }
                    else
                    {
                        analysis.Members.Add(tensor);
                    }
                }
            }

            cache.Add(type, analysis);
            return analysis;
        }

        private TensorBuilder? AnalyzeMember(ITypeSymbol owner, ISymbol member, AttributeData attribute, Direction direction, Location usageLocation)
        {
            string memberText = owner.Name + "." + member.Name;
            string subject = $"Member '{memberText}'";
            var location = SourceLocation(member, usageLocation);
            var property = member as IPropertySymbol;
            var field = member as IFieldSymbol;
            var memberType = property?.Type ?? field!.Type;

            if (member.IsStatic)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject, "static members are not supported");
                return null;
            }

            if (property is { IsIndexer: true })
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject, "indexers are not supported");
                return null;
            }

            if (TensorTypes.ContainsError(memberType))
            {
                return null;
            }

            var info = TensorTypes.Classify(memberType);
            if (info.Kind != TensorTypeKind.Tensor)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, location, subject,
                    info.Reason ?? $"'{memberType.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type (T[], ReadOnlyMemory<T>, Memory<T>, Tensor<T> or a scalar T)");
                return null;
            }

            var tensor = new TensorBuilder(info, memberText, -1, Identifier(member.Name), location) { Subject = subject };
            bool ok = ReadTensorAttribute(attribute, subject, location, info.Access, tensor);

            if (direction == Direction.Result)
            {
                ok &= CheckWritable(memberText, property, field, location);
            }
            else
            {
                ok &= CheckReadable(memberText, property, field, location);
            }

            if (direction == Direction.Destination && info.Access != TensorAccess.Array && info.Access != TensorAccess.Memory)
            {
                Report(DiagnosticDescriptors.UnsupportedOutputDestination, location, subject, tensor.Name ?? member.Name);
                ok = false;
            }

            return ok ? tensor : null;
        }

        private bool CheckReadable(string memberText, IPropertySymbol? property, IFieldSymbol? field, Location location)
        {
            if (property is not null)
            {
                if (property.GetMethod is null || !IsAccessible(property.GetMethod))
                {
                    Report(DiagnosticDescriptors.MemberNotAccessible, location, memberText, "getter");
                    return false;
                }

                return true;
            }

            if (!IsAccessible(field!))
            {
                Report(DiagnosticDescriptors.MemberNotAccessible, location, memberText, "field");
                return false;
            }

            return true;
        }

        private bool CheckWritable(string memberText, IPropertySymbol? property, IFieldSymbol? field, Location location)
        {
            if (property is not null)
            {
                if (property.SetMethod is null)
                {
                    Report(DiagnosticDescriptors.OutputMemberNotSettable, location, memberText, "it has no setter");
                    return false;
                }

                if (property.SetMethod.IsInitOnly)
                {
                    Report(DiagnosticDescriptors.OutputMemberNotSettable, location, memberText, "its setter is init-only; use 'set'");
                    return false;
                }

                if (!IsAccessible(property.SetMethod))
                {
                    Report(DiagnosticDescriptors.MemberNotAccessible, location, memberText, "setter");
                    return false;
                }

                return true;
            }

            if (field!.IsConst || field.IsReadOnly)
            {
                Report(DiagnosticDescriptors.OutputMemberNotSettable, location, memberText, field.IsConst ? "it is a constant" : "it is a readonly field");
                return false;
            }

            if (!IsAccessible(field))
            {
                Report(DiagnosticDescriptors.MemberNotAccessible, location, memberText, "field");
                return false;
            }

            return true;
        }

        private bool CheckConstructible(ITypeSymbol type, Location usageLocation)
        {
            string name = type.ToDisplayString(TensorTypes.MessageFormat);
            var named = (INamedTypeSymbol)type;
            if (named.IsAbstract)
            {
                Report(DiagnosticDescriptors.OutputTypeNotConstructible, usageLocation, name, "it is abstract");
                return false;
            }

            if (named.TypeKind == TypeKind.Class)
            {
                bool hasConstructor = false;
                foreach (var constructor in named.InstanceConstructors)
                {
                    if (constructor.Parameters.Length == 0 && IsAccessible(constructor))
                    {
                        hasConstructor = true;
                        break;
                    }
                }

                if (!hasConstructor)
                {
                    Report(DiagnosticDescriptors.OutputTypeNotConstructible, usageLocation, name, "it has no accessible parameterless constructor");
                    return false;
                }
            }

            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })
                    {
                        Report(DiagnosticDescriptors.OutputTypeNotConstructible, usageLocation, name, $"its member '{member.Name}' is required");
                        return false;
                    }
                }
            }

            return true;
        }

        private bool ReadTensorAttribute(AttributeData attribute, string subject, Location memberLocation, TensorAccess access, TensorBuilder tensor)
        {
            var location = AttributeLocation(attribute) ?? memberLocation;
            var arguments = attribute.ConstructorArguments;
            if (arguments.Length == 0 || arguments[0].Value is not string name)
            {
                if (arguments.Length > 0 && arguments[0].IsNull)
                {
                    Report(DiagnosticDescriptors.EmptyTensorName, location, subject);
                }

                return false; // otherwise the compiler reports the malformed attribute
            }

            bool ok = true;
            if (name.Trim().Length == 0)
            {
                Report(DiagnosticDescriptors.EmptyTensorName, location, subject);
                ok = false;
            }

            tensor.Name = name;
            var shape = new List<long>();
            if (arguments.Length > 1 && arguments[1].Kind == TypedConstantKind.Array && !arguments[1].IsNull)
            {
                foreach (var value in arguments[1].Values)
                {
                    shape.Add(value.Value is long dim ? dim : Convert.ToInt64(value.Value, CultureInfo.InvariantCulture));
                }
            }

            foreach (long dim in shape)
            {
                if (dim < -1)
                {
                    Report(DiagnosticDescriptors.InvalidShape, location, subject, FormatShape(shape));
                    return false;
                }
            }

            if (access == TensorAccess.Scalar && shape.Count > 0)
            {
                foreach (long dim in shape)
                {
                    if (dim != 1 && dim != -1)
                    {
                        Report(DiagnosticDescriptors.ScalarShape, location, subject, FormatShape(shape));
                        return false;
                    }
                }
            }

            tensor.HasShape = shape.Count > 0 || access == TensorAccess.Scalar;
            tensor.Shape = shape.ToEquatableArray();
            return ok;
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
                        Report(DiagnosticDescriptors.DuplicateTensorName, tensors[i].Location, tensors[i].Name!, kind, operation.DisplayName, tensors[j].Member, tensors[i].Member);
                        operation.HasErrors = true;
                        break;
                    }
                }
            }
        }

        private EquatableArray<OperationModel> BuildOperations(List<OperationBuilder> operations)
        {
            var models = new List<OperationModel>(operations.Count);
            var fieldNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var operation in operations)
            {
                fieldNames.Add(operation.Method.Name); // a method named like a field ('_predict') keeps its name
            }

            foreach (var operation in operations)
            {
                var parameters = new List<ParameterModel>(operation.Parameters.Count);
                foreach (var parameter in operation.Parameters)
                {
                    parameters.Add(new ParameterModel(parameter.Name, parameter.Type, parameter.Modifiers, parameter.Role, parameter.NullCheck, parameter.ItemNullCheck));
                }

                string fieldName = string.Empty;
                var inputs = new List<TensorModel>();
                var outputs = new List<TensorModel>();
                if (!operation.HasErrors)
                {
                    fieldName = UniqueName("_" + char.ToLowerInvariant(operation.Method.Name[0]) + operation.Method.Name.Substring(1), fieldNames);
                    foreach (var tensor in operation.Inputs)
                    {
                        inputs.Add(tensor.Build());
                    }

                    foreach (var tensor in operation.Outputs)
                    {
                        outputs.Add(tensor.Build());
                    }
                }

                models.Add(new OperationModel(
                    Identifier(operation.Method.Name),
                    operation.Method.Name,
                    fieldName,
                    operation.BatchParameter is null ? OperationMode.Single : OperationMode.Batch,
                    operation.IsAsync,
                    operation.ReturnType,
                    operation.Result,
                    operation.ResultType,
                    operation.BatchParameterCollection,
                    parameters.ToEquatableArray(),
                    inputs.ToEquatableArray(),
                    outputs.ToEquatableArray(),
                    operation.HasErrors));
            }

            return models.ToEquatableArray();
        }

        private static string UniqueName(string name, HashSet<string> taken)
        {
            string candidate = name;
            for (int suffix = 2; !taken.Add(candidate); suffix++)
            {
                candidate = name + suffix.ToString(CultureInfo.InvariantCulture);
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

        private bool IsAccessible(ISymbol symbol) => _compilation.IsSymbolAccessibleWithin(symbol, _compilation.Assembly);

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
            _diagnostics.Add(new DiagnosticInfo(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(arguments)));

        /// <summary>The <c>[Tensor]</c> members of one type in one direction.</summary>
        private sealed class TypeAnalysis
        {
            public List<TensorBuilder> Members { get; } = new List<TensorBuilder>();

            public bool HasErrors { get; set; }
        }

        private sealed class OperationBuilder
        {
            public OperationBuilder(IMethodSymbol method, string displayName)
            {
                Method = method;
                DisplayName = displayName;
            }

            public IMethodSymbol Method { get; }

            public string DisplayName { get; }

            public bool IsAsync { get; set; }

            public string ReturnType { get; set; } = "void";

            public ResultKind Result { get; set; }

            public string? ResultType { get; set; }

            public string? CancellationToken { get; set; }

            public ParameterBuilder? BatchParameter { get; set; }

            public CollectionKind BatchParameterCollection { get; set; }

            public CollectionKind BatchResultCollection { get; set; }

            public bool HasErrors { get; set; }

            /// <summary>Whether a type in the signature does not resolve (a compiler error already).</summary>
            public bool HasUnresolvedTypes { get; set; }

            public List<ParameterBuilder> Parameters { get; } = new List<ParameterBuilder>();

            public List<TensorBuilder> Inputs { get; } = new List<TensorBuilder>();

            public List<TensorBuilder> Outputs { get; } = new List<TensorBuilder>();
        }

        private sealed class ParameterBuilder
        {
            public ParameterBuilder(IParameterSymbol parameter)
            {
                Name = Identifier(parameter.Name);
                Type = parameter.Type.ToDisplayString(TensorTypes.TypeFormat);
                Modifiers = parameter.RefKind switch
                {
                    RefKind.Ref => "ref ",
                    RefKind.Out => "out ",
                    RefKind.In => "in ",
                    RefKind.RefReadOnlyParameter => "ref readonly ",
                    _ => parameter.IsParams ? "params " : string.Empty,
                };
            }

            public string Name { get; }

            public string Type { get; }

            public string Modifiers { get; }

            public ParameterRole Role { get; set; } = ParameterRole.Unsupported;

            public bool NullCheck { get; set; }

            public bool ItemNullCheck { get; set; }
        }

        private sealed class TensorBuilder
        {
            public TensorBuilder(TensorTypeInfo info, string member, int parameterIndex, string? memberName, Location location)
            {
                Info = info;
                Member = member;
                ParameterIndex = parameterIndex;
                MemberName = memberName;
                Location = location;
            }

            public TensorTypeInfo Info { get; }

            public TensorAccess Access => Info.Access;

            public string Member { get; }

            public int ParameterIndex { get; }

            public string? MemberName { get; }

            /// <summary>The member's name without the type, for name inference.</summary>
            public string? MemberKey => MemberName is null ? null : Member.Substring(Member.LastIndexOf('.') + 1);

            public Location Location { get; }

            public string? Name { get; set; }

            public bool HasShape { get; set; }

            public EquatableArray<long> Shape { get; set; } = EquatableArray<long>.Empty;

            public string? InferenceKey { get; set; }

            public bool IsOutput { get; set; }

            public string Subject { get; set; } = string.Empty;

            public TensorBuilder ForParameter(int parameterIndex, bool isOutput) =>
                new TensorBuilder(Info, Member, parameterIndex, MemberName, Location)
                {
                    Name = Name,
                    HasShape = HasShape,
                    Shape = Shape,
                    IsOutput = isOutput,
                    Subject = Subject,
                };

            public TensorModel Build() =>
                new TensorModel(Name!, Info.ElementType, Info.ElementTypeMember, HasShape, Shape, Member, Info.Access, ParameterIndex, MemberName);
        }
    }
}
