using Microsoft.CodeAnalysis;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Parsing
{
    /// <summary>How a contract type relates to tensors.</summary>
    internal enum TensorTypeKind
    {
        /// <summary>Not a tensor type (an input/output type, a list, anything else).</summary>
        NotTensor,

        /// <summary>A supported tensor type.</summary>
        Tensor,

        /// <summary>A tensor form (array, memory, <c>Tensor&lt;T&gt;</c>) over an unsupported element type, or a multi-dimensional array.</summary>
        Unsupported,
    }

    /// <summary>The classification of one type.</summary>
    internal readonly struct TensorTypeInfo
    {
        private TensorTypeInfo(TensorTypeKind kind, TensorAccess access, string elementType, string elementTypeMember, string? reason)
        {
            Kind = kind;
            Access = access;
            ElementType = elementType;
            ElementTypeMember = elementTypeMember;
            Reason = reason;
        }

        public TensorTypeKind Kind { get; }

        public TensorAccess Access { get; }

        /// <summary>The element type as a C# type argument.</summary>
        public string ElementType { get; }

        /// <summary>The <c>ModelKit.TensorElementType</c> member.</summary>
        public string ElementTypeMember { get; }

        /// <summary>Why the type is unsupported.</summary>
        public string? Reason { get; }

        public static TensorTypeInfo NotTensor => default;

        public static TensorTypeInfo Supported(TensorAccess access, string elementType, string elementTypeMember) =>
            new TensorTypeInfo(TensorTypeKind.Tensor, access, elementType, elementTypeMember, null);

        public static TensorTypeInfo Unsupported(string reason) =>
            new TensorTypeInfo(TensorTypeKind.Unsupported, default, string.Empty, string.Empty, reason);
    }

    /// <summary>Recognises tensor member types from metadata names (the generator references no ModelKit assembly).</summary>
    internal static class TensorTypes
    {
        /// <summary>The display format of types in generated code: fully qualified, with nullable annotations.</summary>
        public static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>The display format of types in messages: short names.</summary>
        public static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.MinimallyQualifiedFormat;

        public static TensorTypeInfo Classify(ITypeSymbol type)
        {
            if (type is IArrayTypeSymbol array)
            {
                if (array.Rank != 1)
                {
                    return TensorTypeInfo.Unsupported("multi-dimensional arrays are not supported; use a flat T[] with a declared shape, or ModelKit.ModelTensor<T>");
                }

                return FromElement(array.ElementType, TensorAccess.Array);
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named && named.TypeArguments.Length == 1)
            {
                var definition = named.ConstructedFrom;
                if (Is(definition, "System", "ReadOnlyMemory`1"))
                {
                    return FromElement(named.TypeArguments[0], TensorAccess.ReadOnlyMemory);
                }

                if (Is(definition, "System", "Memory`1"))
                {
                    return FromElement(named.TypeArguments[0], TensorAccess.Memory);
                }

                if (Is(definition, "ModelKit", "ModelTensor`1"))
                {
                    return FromElement(named.TypeArguments[0], TensorAccess.Tensor);
                }

                if (Is(definition, "System", "Span`1") || Is(definition, "System", "ReadOnlySpan`1"))
                {
                    return TensorTypeInfo.Unsupported("Span<T> and ReadOnlySpan<T> are not supported (a span cannot be kept while the model runs); use ReadOnlyMemory<T> or T[] for inputs, Memory<T> or T[] for outputs");
                }
            }

            return TryGetElement(type, out string elementType, out string member)
                ? TensorTypeInfo.Supported(TensorAccess.Scalar, elementType, member)
                : TensorTypeInfo.NotTensor;
        }

        /// <summary>Whether <paramref name="type"/> is a tensor element type; gives its type-argument text and <c>TensorElementType</c> member.</summary>
        public static bool TryGetElement(ITypeSymbol type, out string elementType, out string elementTypeMember)
        {
            elementType = string.Empty;
            switch (type.SpecialType)
            {
                case SpecialType.System_Single: elementTypeMember = "Float"; elementType = "float"; return true;
                case SpecialType.System_Double: elementTypeMember = "Double"; elementType = "double"; return true;
                case SpecialType.System_SByte: elementTypeMember = "Int8"; elementType = "sbyte"; return true;
                case SpecialType.System_Byte: elementTypeMember = "UInt8"; elementType = "byte"; return true;
                case SpecialType.System_Int16: elementTypeMember = "Int16"; elementType = "short"; return true;
                case SpecialType.System_UInt16: elementTypeMember = "UInt16"; elementType = "ushort"; return true;
                case SpecialType.System_Int32: elementTypeMember = "Int32"; elementType = "int"; return true;
                case SpecialType.System_UInt32: elementTypeMember = "UInt32"; elementType = "uint"; return true;
                case SpecialType.System_Int64: elementTypeMember = "Int64"; elementType = "long"; return true;
                case SpecialType.System_UInt64: elementTypeMember = "UInt64"; elementType = "ulong"; return true;
                case SpecialType.System_Boolean: elementTypeMember = "Bool"; elementType = "bool"; return true;
                case SpecialType.System_String:
                    elementTypeMember = "String";
                    elementType = type.NullableAnnotation == NullableAnnotation.Annotated ? "string?" : "string";
                    return true;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } generic
                && generic.TypeArguments.Length == 1
                && generic.TypeArguments[0].SpecialType == SpecialType.System_Byte
                && Is(generic.ConstructedFrom, "System", "ReadOnlyMemory`1"))
            {
                // One binary element (an encoded image, a file): the Open Inference Protocol's BYTES as raw bytes. As a member's
                // own type ReadOnlyMemory<byte> is a UINT8 tensor (Classify sees it first); as an element (ReadOnlyMemory<byte>[],
                // ModelTensor<ReadOnlyMemory<byte>>) it is a binary tensor.
                elementTypeMember = "Binary";
                elementType = "global::System.ReadOnlyMemory<byte>";
                return true;
            }

            if (type is INamedTypeSymbol { IsGenericType: false } named)
            {
                if (Is(named, "System", "Half"))
                {
                    elementTypeMember = "Float16";
                    elementType = "global::System.Half";
                    return true;
                }

                if (Is(named, "ModelKit", "BFloat16"))
                {
                    elementTypeMember = "BFloat16";
                    elementType = "global::ModelKit.BFloat16";
                    return true;
                }
            }

            elementTypeMember = string.Empty;
            return false;
        }

        /// <summary>Whether <paramref name="type"/> is <c>Nullable&lt;T&gt;</c>; gives <c>T</c>.</summary>
        public static bool IsNullableOf(ITypeSymbol type, out ITypeSymbol underlying)
        {
            if (type is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                underlying = named.TypeArguments[0];
                return true;
            }

            underlying = type;
            return false;
        }

        /// <summary>Whether <paramref name="type"/> is <c>System.Threading.CancellationToken</c>.</summary>
        public static bool IsCancellationToken(ITypeSymbol type) =>
            type is INamedTypeSymbol named && Is(named, "System.Threading", "CancellationToken");

        /// <summary>Whether <paramref name="type"/> is <c>Task</c>, <c>ValueTask</c>, <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>; gives <c>T</c> (null when non-generic).</summary>
        public static bool IsTaskLike(ITypeSymbol type, out ITypeSymbol? result)
        {
            result = null;
            if (type is not INamedTypeSymbol named)
            {
                return false;
            }

            var definition = named.ConstructedFrom;
            if (Is(definition, "System.Threading.Tasks", "Task") || Is(definition, "System.Threading.Tasks", "ValueTask"))
            {
                return true;
            }

            if (Is(definition, "System.Threading.Tasks", "Task`1") || Is(definition, "System.Threading.Tasks", "ValueTask`1"))
            {
                result = named.TypeArguments[0];
                return true;
            }

            return false;
        }

        /// <summary>Whether <paramref name="type"/> is <c>T[]</c> or <c>IReadOnlyList&lt;T&gt;</c> of an object type.</summary>
        public static bool IsObjectCollection(ITypeSymbol type, out ITypeSymbol item, out CollectionKind kind)
        {
            if (type is IArrayTypeSymbol { Rank: 1 } array && IsObjectType(array.ElementType))
            {
                item = array.ElementType;
                kind = CollectionKind.Array;
                return true;
            }

            if (type is INamedTypeSymbol { IsGenericType: true } named
                && Is(named.ConstructedFrom, "System.Collections.Generic", "IReadOnlyList`1")
                && IsObjectType(named.TypeArguments[0]))
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
        /// Whether <paramref name="type"/> can be an input or output type: a class or struct of the user's
        /// (not a special type, a nullable value type, a collection or a tensor element type).
        /// </summary>
        public static bool IsObjectType(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, SpecialType: SpecialType.None } named
                || named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                || named.IsTupleType
                || Is(named.OriginalDefinition, "System", "Span`1")
                || Is(named.OriginalDefinition, "System", "ReadOnlySpan`1")
                || TryGetElement(type, out _, out _))
            {
                return false;
            }

            foreach (var implemented in named.AllInterfaces)
            {
                if (implemented.SpecialType == SpecialType.System_Collections_IEnumerable)
                {
                    return false; // List<T>, Dictionary<K,V>…: a collection is not a set of named tensors
                }
            }

            return true;
        }

        /// <summary>Whether <paramref name="type"/> mentions a type the compiler could not resolve (the compiler reports those).</summary>
        public static bool ContainsError(ITypeSymbol type)
        {
            switch (type)
            {
                case IErrorTypeSymbol:
                    return true;
                case IArrayTypeSymbol array:
                    return ContainsError(array.ElementType);
                case INamedTypeSymbol { IsGenericType: true } named:
                    foreach (var argument in named.TypeArguments)
                    {
                        if (ContainsError(argument))
                        {
                            return true;
                        }
                    }

                    return false;
                default:
                    return type.TypeKind == TypeKind.Error;
            }
        }

        /// <summary>Whether <paramref name="symbol"/> is <paramref name="metadataName"/> in namespace <paramref name="ns"/> (dotted).</summary>
        public static bool Is(ISymbol symbol, string ns, string metadataName)
        {
            if (symbol.MetadataName != metadataName || symbol.ContainingType is not null)
            {
                return false;
            }

            var current = symbol.ContainingNamespace;
            int end = ns.Length;
            while (end > 0)
            {
                int start = ns.LastIndexOf('.', end - 1) + 1;
                if (current is null || current.IsGlobalNamespace || string.CompareOrdinal(current.Name, 0, ns, start, end - start) != 0 || current.Name.Length != end - start)
                {
                    return false;
                }

                current = current.ContainingNamespace;
                end = start - 1;
            }

            return current is not null && current.IsGlobalNamespace;
        }

        private static TensorTypeInfo FromElement(ITypeSymbol element, TensorAccess access)
        {
            if (TryGetElement(element, out string elementType, out string member))
            {
                return TensorTypeInfo.Supported(access, elementType, member);
            }

            string hint = element is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }
                || (element is INamedTypeSymbol { IsGenericType: true } memory && memory.TypeArguments[0].SpecialType == SpecialType.System_Byte
                    && Is(memory.ConstructedFrom, "System", "Memory`1"))
                ? "; binary (BYTES) elements are ReadOnlyMemory<byte>: declare ReadOnlyMemory<byte>[] or ModelKit.ModelTensor<ReadOnlyMemory<byte>>"
                : string.Empty;
            return TensorTypeInfo.Unsupported($"element type '{element.ToDisplayString(MessageFormat)}' is not a tensor element type (float, double, sbyte, byte, short, ushort, int, uint, long, ulong, bool, string, System.Half, ModelKit.BFloat16, ReadOnlyMemory<byte> for binary elements){hint}");
        }
    }
}
