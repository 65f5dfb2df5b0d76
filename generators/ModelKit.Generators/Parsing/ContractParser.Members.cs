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
