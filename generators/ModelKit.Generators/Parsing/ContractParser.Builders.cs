using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>Mutable builders used while parsing, and the equatable models built from them.</summary>
    internal sealed partial class ContractParser
    {
        private ContractCheck BuildCheck(string modelName, Location identifier, List<OperationBuilder> operations)
        {
            var checks = new List<OperationCheck>(operations.Count);
            foreach (var operation in operations)
            {
                if (operation.IsProcessed)
                {
                    continue; // its tensors are the steps' (known at run time, checked when the operation is bound)
                }

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

        private static EquatableArray<OperationModel> BuildOperations(List<OperationBuilder> operations)
        {
            var models = new List<OperationModel>(operations.Count);
            var fieldNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var operation in operations)
            {
                fieldNames.Add(operation.Method.Name); // a method named like a field ('_predict') keeps its name
                foreach (var parameter in operation.Method.Parameters)
                {
                    fieldNames.Add(parameter.Name); // a parameter named like a field would hide it in the method's body
                }
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
                    operation.HasErrors,
                    operation.HasErrors ? null : operation.Processing));
            }

            return models.ToEquatableArray();
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

            /// <summary>Whether the method names processing steps (its tensors are the steps').</summary>
            public bool IsProcessed { get; set; }

            /// <summary>The processing steps, once they fit the method.</summary>
            public ProcessingModel? Processing { get; set; }

            /// <summary>Whether a parameter is <c>out</c> (a <c>bool TryPredict(…, out T)</c> pattern when the method returns bool).</summary>
            public bool HasOutParameter { get; set; }

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

            /// <summary>Where the tensor is used: the parameter or return type whose type declares the member (the member itself for a direct tensor).</summary>
            public Location? UsageLocation { get; set; }

            /// <summary>The name of the parameter whose type declares the member; null for the return value and direct tensors.</summary>
            public string? ParameterName { get; set; }

            public TensorBuilder ForParameter(int parameterIndex, bool isOutput, Location usageLocation, string? parameterName) =>
                new TensorBuilder(Info, Member, parameterIndex, MemberName, Location)
                {
                    Name = Name,
                    HasShape = HasShape,
                    Shape = Shape,
                    IsOutput = isOutput,
                    Subject = Subject,
                    UsageLocation = usageLocation,
                    ParameterName = parameterName,
                };

            public TensorModel Build() =>
                new TensorModel(Name!, Info.ElementType, Info.ElementTypeMember, HasShape, Shape, Member, Info.Access, ParameterIndex, MemberName);
        }
    }
}
