using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelKit.Generators.Diagnostics;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>The <c>[Tensor]</c> members of input, output and destination types, and the <c>[Tensor]</c> attribute itself.</summary>
    internal sealed partial class ContractParser
    {
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
                Report(DiagnosticDescriptors.NoTensorMembers, usageLocation, type.ToDisplayString(TensorTypes.MessageFormat), usage, NoTensorMembersHint(type));
                operation.HasErrors = true;
                return;
            }

            foreach (var member in analysis.Members)
            {
                target.Add(member.ForParameter(parameterIndex, direction != Direction.Input, usageLocation, parameterIndex < 0 ? null : operation.Method.Parameters[parameterIndex].Name));
            }
        }

        /// <summary>What to do about a type without <c>[Tensor]</c> members, for the cases where marking members is not the answer.</summary>
        private static string NoTensorMembersHint(ITypeSymbol type)
        {
            if (type is INamedTypeSymbol named)
            {
                foreach (var constructor in named.InstanceConstructors)
                {
                    foreach (var parameter in constructor.Parameters)
                    {
                        if (FindAttribute(parameter.GetAttributes(), "TensorAttribute") is not null)
                        {
                            return named.IsRecord
                                ? $"[Tensor] on the record's parameter '{parameter.Name}' applies to the constructor parameter, not to the property; write [property: Tensor(\"name\")]"
                                : $"[Tensor] on the constructor parameter '{parameter.Name}' maps nothing; put it on a property or field";
                        }
                    }
                }
            }

            if (!type.Locations.IsEmpty && !type.Locations[0].IsInSource)
            {
                return $"it is declared in assembly '{type.ContainingAssembly?.Name}', of which only public members can be seen here: make its [Tensor] members public";
            }

            return "mark the members that map to model tensors with [Tensor(\"name\")]";
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

            // What 'value.Name' reads: the most derived property or field of each name (a 'new' member hides the base's).
            var visible = new Dictionary<string, ISymbol>(StringComparer.Ordinal);
            for (int i = chain.Count - 1; i >= 0; i--)
            {
                foreach (var member in chain[i].GetMembers())
                {
                    if (member is IPropertySymbol or IFieldSymbol && !visible.ContainsKey(member.Name))
                    {
                        visible.Add(member.Name, member);
                    }
                }
            }

            foreach (var declaring in chain)
            {
                foreach (var member in declaring.GetMembers())
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (member is not (IPropertySymbol or IFieldSymbol) || !SymbolEqualityComparer.Default.Equals(visible[member.Name], member))
                    {
                        continue;
                    }

                    var attribute = FindTensorAttribute(member);
                    if (attribute is null)
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

        /// <summary>The member's <c>[Tensor]</c>, or that of the property it overrides.</summary>
        private static AttributeData? FindTensorAttribute(ISymbol member)
        {
            for (var current = member; current is not null; current = (current as IPropertySymbol)?.OverriddenProperty)
            {
                if (FindAttribute(current.GetAttributes(), "TensorAttribute") is { } attribute)
                {
                    return attribute;
                }
            }

            return null;
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
                    info.Reason ?? $"'{memberType.ToDisplayString(TensorTypes.MessageFormat)}' is not a tensor type (T[], ReadOnlyMemory<T>, Memory<T>, ModelTensor<T> or a scalar T)");
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

        /// <summary>The <c>[Tensor]</c> members of one type in one direction.</summary>
        private sealed class TypeAnalysis
        {
            public List<TensorBuilder> Members { get; } = new List<TensorBuilder>();

            public bool HasErrors { get; set; }
        }
    }
}
