using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>Contract methods: parameters, results, batches and tensors passed directly.</summary>
    internal sealed partial class ContractParser
    {
        private OperationBuilder ParseOperation(IMethodSymbol method)
        {
            if (TryParseProcessedOperation(method, out var processed))
            {
                return processed;
            }

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
            else if (IsPreparedCall(returnType))
            {
                // A prepared call: the parameters are bound once; outputs go to the [Output] destinations on every run.
                operation.Result = ResultKind.Prepared;
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
                Report(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, operationName, "ref " + returnType.ToDisplayString(TensorTypes.MessageFormat), SupportedReturns);
                operation.HasErrors = true;
            }
            else if (operation.HasOutParameter && resultType?.SpecialType == SpecialType.System_Boolean)
            {
                // bool TryPredict(…, out T result): the out parameter's MK1009 says what to write instead; the bool is no tensor to name.
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
                bool tryPattern = parameter.RefKind == RefKind.Out && operation.Method.ReturnType.SpecialType == SpecialType.System_Boolean;
                operation.HasOutParameter |= parameter.RefKind == RefKind.Out;
                Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName, tryPattern
                    ? "the Try pattern (bool TryPredict(…, out TOut result)) is not supported; return the output type instead (a failed run throws a ModelKitException)"
                    : "ref, out and in parameters are not supported; pass it by value");
                operation.HasErrors = true;
                return;
            }

            if (operation.IsAsync && type.IsRefLikeType)
            {
                Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName,
                    $"'{type.ToDisplayString(TensorTypes.MessageFormat)}' is a ref struct, which an async method cannot take; use ReadOnlyMemory<T> or a class or struct, or make the method synchronous");
                operation.HasErrors = true;
                return;
            }

            if (TensorTypes.IsNullableOf(type, out var underlying) && TensorTypes.IsCancellationToken(underlying))
            {
                Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName,
                    "a CancellationToken is passed as 'CancellationToken', not 'CancellationToken?'; write 'CancellationToken cancellationToken = default' to make it optional");
                operation.CancellationToken ??= builder.Name; // the method has a token, if a mistyped one: no MK1007 on top
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
                        $"'{type.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type; [Tensor] marks T[], ReadOnlyMemory<T>, Memory<T>, ModelTensor<T> or scalar parameters (remove it to send the type's own [Tensor] members)");
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

            Report(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, operation.DisplayName, UnsupportedParameterReason(type));
            operation.HasErrors = true;
        }

        private static bool IsPreparedCall(ITypeSymbol type) =>
            type is INamedTypeSymbol { Name: "PreparedCall", Arity: 0, ContainingNamespace: { Name: "ModelKit", ContainingNamespace.IsGlobalNamespace: true } };

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
                        info.Reason ?? $"'{resultType.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type; [return: Tensor] marks T[], ReadOnlyMemory<T>, Memory<T>, ModelTensor<T> or scalar results (remove it to return the type's own [Tensor] members)");
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

            if (info.Kind == TensorTypeKind.Unsupported)
            {
                Report(DiagnosticDescriptors.UnsupportedTensorType, returnLocation, subject, info.Reason!);
                operation.HasErrors = true;
                return;
            }

            Report(DiagnosticDescriptors.UnsupportedReturnType, returnLocation, operation.DisplayName, method.ReturnType.ToDisplayString(TensorTypes.MessageFormat), UnsupportedReturnReason(resultType));
            operation.HasErrors = true;
        }

        private const string SupportedReturns = "return an output type, a [return: Tensor] tensor, an array or IReadOnlyList of output types (batch), void, or Task/ValueTask of these";

        /// <summary>Why a parameter type is not supported, and what to use instead.</summary>
        private static string UnsupportedParameterReason(ITypeSymbol type)
        {
            string name = type.ToDisplayString(TensorTypes.MessageFormat);
            if (type.IsTupleType)
            {
                return $"tuples such as '{name}' are not supported; pass a class or struct whose members carry [Tensor]";
            }

            if (TensorTypes.IsNullableOf(type, out var underlying))
            {
                return $"Nullable<T> inputs are not supported; pass '{underlying.ToDisplayString(TensorTypes.MessageFormat)}' itself";
            }

            if (type.TypeKind == TypeKind.Interface)
            {
                return $"'{name}' is an interface, and interface-typed inputs are not supported; declare the parameter as the class or struct whose members carry [Tensor]";
            }

            return $"'{name}' is neither an input type with [Tensor] members, a tensor, a batch list nor a CancellationToken";
        }

        /// <summary>Why a result type is not supported, and what to return instead.</summary>
        private static string UnsupportedReturnReason(ITypeSymbol type)
        {
            if (type.IsTupleType)
            {
                return "tuples are not supported; return a class or struct whose settable members carry [Tensor]";
            }

            if (TensorTypes.IsNullableOf(type, out var underlying))
            {
                return $"Nullable<T> results are not supported; return '{underlying.ToDisplayString(TensorTypes.MessageFormat)}' itself";
            }

            if (type.TypeKind == TypeKind.Interface)
            {
                return "an interface cannot be created; return a class or struct whose settable members carry [Tensor]";
            }

            return SupportedReturns;
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
    }
}
