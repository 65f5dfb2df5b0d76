using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>
    /// Contract methods with processing steps (<c>[Preprocess&lt;TStep&gt;]</c>, <c>[Postprocess&lt;TStep&gt;]</c>): one domain input
    /// (or a list of them), the steps' types checked against it and against the result, into a <see cref="ProcessingModel"/>.
    /// </summary>
    internal sealed partial class ContractParser
    {
        private const string PreprocessorInterface = "ModelKit.Processing.IPreprocessor`1";
        private const string PostprocessorInterface = "ModelKit.Processing.IPostprocessor`1";

        /// <summary>Whether <paramref name="method"/> names processing steps; if so, <paramref name="operation"/> is parsed from them.</summary>
        private bool TryParseProcessedOperation(IMethodSymbol method, out OperationBuilder operation)
        {
            var attributes = method.GetAttributes();
            var pre = FindStepAttribute(attributes, "PreprocessAttribute`1");
            var post = FindStepAttribute(attributes, "PostprocessAttribute`1");
            operation = null!;
            if (pre is null && post is null)
            {
                return false;
            }

            string operationName = _contract.Name + "." + method.Name;
            operation = new OperationBuilder(method, operationName) { IsProcessed = true };
            var methodLocation = SourceLocation(method);
            var returnLocation = (method.DeclaringSyntaxReferences.Length > 0 && method.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is MethodDeclarationSyntax declaration)
                ? declaration.ReturnType.GetLocation()
                : methodLocation;

            // The result: TOut, Task<TOut> or ValueTask<TOut>.
            var returnType = method.ReturnType;
            ITypeSymbol? resultType = returnType;
            bool returnsTask = false;
            if (TensorTypes.IsTaskLike(returnType, out var awaited))
            {
                operation.IsAsync = true;
                returnsTask = TensorTypes.Is(((INamedTypeSymbol)returnType).ConstructedFrom, "System.Threading.Tasks", "Task`1")
                    || TensorTypes.Is(((INamedTypeSymbol)returnType).ConstructedFrom, "System.Threading.Tasks", "Task");
                resultType = awaited;
            }

            string refKind = method.ReturnsByRefReadonly ? "ref readonly " : method.ReturnsByRef ? "ref " : string.Empty;
            operation.ReturnType = refKind + returnType.ToDisplayString(TensorTypes.TypeFormat);

            // The parameters: one input and an optional CancellationToken.
            IParameterSymbol? input = null;
            ParameterBuilder? inputBuilder = null;
            foreach (var parameter in method.Parameters)
            {
                var builder = new ParameterBuilder(parameter);
                operation.Parameters.Add(builder);
                if (TensorTypes.ContainsError(parameter.Type))
                {
                    operation.HasUnresolvedTypes = true;
                    continue;
                }

                if (parameter.RefKind == RefKind.None && TensorTypes.IsCancellationToken(parameter.Type) && operation.CancellationToken is null)
                {
                    operation.CancellationToken = builder.Name;
                    builder.Role = ParameterRole.CancellationToken;
                    continue;
                }

                string? problem = null;
                if (parameter.RefKind != RefKind.None)
                {
                    problem = $"parameter '{parameter.Name}' is passed by reference; pass it by value";
                }
                else if (TensorTypes.IsCancellationToken(parameter.Type))
                {
                    problem = "it takes at most one CancellationToken";
                }
                else if (FindAttribute(parameter.GetAttributes(), "TensorAttribute") is not null || FindAttribute(parameter.GetAttributes(), "OutputAttribute") is not null)
                {
                    problem = $"parameter '{parameter.Name}' cannot be a [Tensor] or [Output] parameter: the steps write every model input and read every output; remove the attribute, or remove the steps and map the tensors yourself";
                }
                else if (parameter.Type.IsRefLikeType || parameter.Type.IsStatic || parameter.Type is IPointerTypeSymbol or IFunctionPointerTypeSymbol)
                {
                    problem = $"parameter '{parameter.Name}' of type '{parameter.Type.ToDisplayString(TensorTypes.MessageFormat)}' cannot be a step's input; use ReadOnlyMemory<T>, an array or a class";
                }
                else if (input is not null)
                {
                    problem = $"it takes one input (a value, or a list of values for a batch) and optionally a CancellationToken; '{parameter.Name}' is a second input — put both in one type and let the step read it";
                }

                if (problem is not null)
                {
                    Report(DiagnosticDescriptors.ProcessedMethodShape, SourceLocation(parameter, methodLocation), operationName, problem);
                    operation.HasErrors = true;
                    continue;
                }

                input = parameter;
                inputBuilder = builder;
            }

            if (input is null && !operation.HasErrors && !operation.HasUnresolvedTypes)
            {
                Report(DiagnosticDescriptors.ProcessedMethodShape, methodLocation, operationName,
                    "it takes the input its pre-processing step turns into the model's inputs (a value, or a list of values for a batch); add that parameter");
                operation.HasErrors = true;
            }

            if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                Report(DiagnosticDescriptors.ProcessedMethodShape, returnLocation, operationName, "it returns the post-processing step's result by value; remove 'ref'");
                operation.HasErrors = true;
                resultType = null;
            }
            else if (resultType is null || resultType.SpecialType == SpecialType.System_Void)
            {
                Report(DiagnosticDescriptors.ProcessedMethodShape, returnLocation, operationName,
                    "it returns the post-processing step's result (optionally in Task<T> or ValueTask<T>); declare the result type");
                operation.HasErrors = true;
                resultType = null;
            }
            else if (TensorTypes.ContainsError(resultType))
            {
                operation.HasUnresolvedTypes = true;
                resultType = null;
            }
            else if (FindAttribute(method.GetReturnTypeAttributes(), "TensorAttribute") is not null)
            {
                Report(DiagnosticDescriptors.ProcessedMethodShape, returnLocation, operationName,
                    "its result comes from the post-processing step, not from a tensor; remove [return: Tensor]");
                operation.HasErrors = true;
            }

            // The steps themselves.
            var preStep = CheckStep(operation, pre, "Preprocess", PreprocessorInterface, methodLocation);
            var postStep = CheckStep(operation, post, "Postprocess", PostprocessorInterface, methodLocation);
            if (pre is null || post is null)
            {
                bool hasPre = pre is not null;
                Report(DiagnosticDescriptors.StepMissing, methodLocation, operationName,
                    hasPre ? "pre-processing" : "post-processing",
                    hasPre ? "post-processing" : "pre-processing",
                    hasPre ? "Postprocess" : "Preprocess",
                    hasPre ? "implements IPostprocessor<TOutput> for the method's result" : "implements IPreprocessor<TInput> for the method's input");
                operation.HasErrors = true;
            }

            if (operation.HasUnresolvedTypes)
            {
                operation.HasErrors = true;
                return true;
            }

            if (operation.IsAsync && operation.CancellationToken is null)
            {
                Report(DiagnosticDescriptors.AsyncWithoutCancellationToken, methodLocation, operationName);
                operation.HasErrors = true;
            }

            if (preStep is null || postStep is null || input is null || resultType is null || operation.HasErrors)
            {
                operation.HasErrors = true;
                return true;
            }

            // Single or batch: decided by the input. The pre-processing step takes the parameter itself, or the items of its list.
            var inputLocation = SourceLocation(input, methodLocation);
            ITypeSymbol inputItem;
            bool batch;
            if (Fits(preStep, PreprocessorInterface, input.Type))
            {
                inputItem = input.Type;
                batch = false;
            }
            else if (IsList(input.Type, out var item, out var inputCollection) && Fits(preStep, PreprocessorInterface, item))
            {
                inputItem = item;
                batch = true;
                operation.BatchParameter = inputBuilder;
                operation.BatchParameterCollection = inputCollection;
            }
            else
            {
                string implemented = Implemented(preStep, PreprocessorInterface);
                string fix = StepTypeArguments(preStep, PreprocessorInterface) is { Count: > 0 } accepted
                    ? $"declare the parameter as '{accepted[0]}' (or IReadOnlyList<{accepted[0]}> or {accepted[0]}[] for a batch), or name a step that implements IPreprocessor<{input.Type.ToDisplayString(TensorTypes.MessageFormat)}>"
                    : $"name a step that implements IPreprocessor<{input.Type.ToDisplayString(TensorTypes.MessageFormat)}>";
                Report(DiagnosticDescriptors.StepInputMismatch, inputLocation, preStep.ToDisplayString(TensorTypes.MessageFormat), operationName, implemented, input.Type.ToDisplayString(TensorTypes.MessageFormat), fix);
                operation.HasErrors = true;
                return true;
            }

            // The result: the post-processing step's TOutput itself for a single call; TOut[] or IReadOnlyList<TOut> for a batch.
            ITypeSymbol? outputItem = null;
            var resultCollection = CollectionKind.None;
            if (!batch && Fits(postStep, PostprocessorInterface, resultType))
            {
                outputItem = resultType;
            }
            else if (batch && IsList(resultType, out var resultItem, out resultCollection) && Fits(postStep, PostprocessorInterface, resultItem))
            {
                outputItem = resultItem;
            }

            if (outputItem is null)
            {
                var produced = StepTypeArguments(postStep, PostprocessorInterface);
                string fix = produced.Count == 0
                    ? "name a step that implements IPostprocessor<T> for the result"
                    : batch
                        ? $"the method takes a list, so it returns {produced[0]}[] or IReadOnlyList<{produced[0]}> (the step's result per item)"
                        : $"return '{produced[0]}'" + (produced.Count > 1 ? " (or " + string.Join(", ", produced.GetRange(1, produced.Count - 1)) + ")" : string.Empty)
                            + (IsList(resultType, out _, out _) ? "; a method that returns a list of results takes a list of inputs" : string.Empty);
                Report(DiagnosticDescriptors.StepOutputMismatch, returnLocation, postStep.ToDisplayString(TensorTypes.MessageFormat), operationName,
                    Implemented(postStep, PostprocessorInterface), resultType.ToDisplayString(TensorTypes.MessageFormat), fix);
                operation.HasErrors = true;
                return true;
            }

            bool nullableInput = inputItem.IsReferenceType && inputItem.NullableAnnotation == NullableAnnotation.Annotated;
            inputBuilder!.Role = batch ? ParameterRole.BatchItems : ParameterRole.InputObject;
            inputBuilder.NullCheck = input.Type.IsReferenceType && input.Type.NullableAnnotation != NullableAnnotation.Annotated;
            operation.Processing = new ProcessingModel(
                (inputItem.IsReferenceType ? inputItem.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : inputItem).ToDisplayString(TensorTypes.TypeFormat),
                outputItem.ToDisplayString(TensorTypes.TypeFormat),
                preStep.ToDisplayString(TensorTypes.TypeFormat),
                postStep.ToDisplayString(TensorTypes.TypeFormat),
                IsCreatable(preStep),
                IsCreatable(postStep),
                inputBuilder.NullCheck,
                nullableInput,
                returnsTask,
                resultCollection);
            return true;
        }

        private static AttributeData? FindStepAttribute(System.Collections.Immutable.ImmutableArray<AttributeData> attributes, string metadataName)
        {
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is { IsGenericType: true } type && TensorTypes.Is(type.ConstructedFrom, "ModelKit", metadataName))
                {
                    return attribute;
                }
            }

            return null;
        }

        /// <summary>The step a step attribute names, when it can be one; reports why it cannot.</summary>
        private INamedTypeSymbol? CheckStep(OperationBuilder operation, AttributeData? attribute, string role, string interfaceName, Location methodLocation)
        {
            if (attribute?.AttributeClass is not { TypeArguments.Length: 1 } type)
            {
                return null;
            }

            var location = AttributeLocation(attribute) ?? methodLocation;
            var step = type.TypeArguments[0];
            if (TensorTypes.ContainsError(step))
            {
                operation.HasUnresolvedTypes = true;
                return null;
            }

            string name = step.ToDisplayString(TensorTypes.MessageFormat);
            if (step is not INamedTypeSymbol named || step.TypeKind != TypeKind.Class || step.IsAbstract)
            {
                string what = step.TypeKind == TypeKind.Interface ? "an interface" : step.IsAbstract ? "abstract" : "not a class";
                Report(DiagnosticDescriptors.StepNotConcrete, location, name, role, operation.DisplayName, what);
                operation.HasErrors = true;
                return null;
            }

            if (!IsAccessible(named))
            {
                Report(DiagnosticDescriptors.StepNotAccessible, location, name, role, operation.DisplayName);
                operation.HasErrors = true;
                return null;
            }

            if (StepTypeArguments(named, interfaceName).Count == 0)
            {
                string display = interfaceName == PreprocessorInterface ? "IPreprocessor<TInput>" : "IPostprocessor<TOutput>";
                Report(DiagnosticDescriptors.StepNotImplemented, location, name, role, operation.DisplayName, display);
                operation.HasErrors = true;
                return null;
            }

            return named;
        }

        /// <summary>Whether <paramref name="step"/> converts to <c>IPreprocessor&lt;T&gt;</c> / <c>IPostprocessor&lt;T&gt;</c> of <paramref name="type"/> (variance included).</summary>
        private bool Fits(INamedTypeSymbol step, string interfaceName, ITypeSymbol type)
        {
            if (type.IsRefLikeType || type.IsStatic || type is IPointerTypeSymbol or IFunctionPointerTypeSymbol || type.SpecialType == SpecialType.System_Void
                || _compilation.GetTypeByMetadataName(interfaceName) is not { } definition)
            {
                return false;
            }

            var target = definition.Construct(type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type);
            var conversion = _compilation.ClassifyCommonConversion(step, target);
            return conversion.IsImplicit && (conversion.IsIdentity || conversion.IsReference);
        }

        /// <summary>The type arguments of the step's implementations of the interface, as written in messages.</summary>
        private static List<string> StepTypeArguments(INamedTypeSymbol step, string interfaceName)
        {
            var result = new List<string>();
            foreach (var implemented in step.AllInterfaces)
            {
                if (IsInterface(implemented, interfaceName))
                {
                    result.Add(implemented.TypeArguments[0].ToDisplayString(TensorTypes.MessageFormat));
                }
            }

            return result;
        }

        private static string Implemented(INamedTypeSymbol step, string interfaceName)
        {
            string name = interfaceName == PreprocessorInterface ? "IPreprocessor" : "IPostprocessor";
            var arguments = StepTypeArguments(step, interfaceName);
            for (int i = 0; i < arguments.Count; i++)
            {
                arguments[i] = name + "<" + arguments[i] + ">";
            }

            return string.Join(" and ", arguments);
        }

        private static bool IsInterface(INamedTypeSymbol type, string interfaceName) =>
            type.IsGenericType && TensorTypes.Is(type.ConstructedFrom, "ModelKit.Processing", interfaceName.Substring(interfaceName.LastIndexOf('.') + 1));

        /// <summary>Whether <paramref name="type"/> is <c>T[]</c> or <c>IReadOnlyList&lt;T&gt;</c> (of any item type).</summary>
        private static bool IsList(ITypeSymbol type, out ITypeSymbol item, out CollectionKind kind)
        {
            if (type is IArrayTypeSymbol { Rank: 1 } array)
            {
                item = array.ElementType;
                kind = CollectionKind.Array;
                return true;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named && TensorTypes.Is(named.ConstructedFrom, "System.Collections.Generic", "IReadOnlyList`1"))
            {
                item = named.TypeArguments[0];
                kind = CollectionKind.ReadOnlyList;
                return true;
            }

            item = type;
            kind = CollectionKind.None;
            return false;
        }

        /// <summary>
        /// Whether the client may create the step itself when DI has none registered: an accessible parameterless constructor
        /// (<c>[Obsolete]</c> ones left alone) and no <c>required</c> members. Otherwise only DI can give it.
        /// </summary>
        private bool IsCreatable(INamedTypeSymbol step)
        {
            bool hasConstructor = false;
            foreach (var constructor in step.InstanceConstructors)
            {
                if (constructor.Parameters.Length == 0 && IsAccessible(constructor) && !IsObsolete(constructor))
                {
                    hasConstructor = true;
                    break;
                }
            }

            if (!hasConstructor)
            {
                return false;
            }

            for (var current = step; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true })
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool IsObsolete(ISymbol symbol)
        {
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass is { } type && TensorTypes.Is(type, "System", "ObsoleteAttribute"))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
