using Microsoft.CodeAnalysis;
using ModelKit.Generators.Diagnostics;

namespace ModelKit.Generators.Parsing
{
    /// <summary>Whether the generated client may read, write and construct the user's types.</summary>
    internal sealed partial class ContractParser
    {
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

        private bool IsAccessible(ISymbol symbol) => _compilation.IsSymbolAccessibleWithin(symbol, _compilation.Assembly);
    }
}
