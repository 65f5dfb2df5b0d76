using System.Reflection;
using Microsoft.CodeAnalysis;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Tests;

/// <summary>
/// The pipeline's models hold plain data only: a symbol, syntax node, compilation, semantic model or location kept in a model
/// would pin a compilation in memory and defeat caching (they compare by reference).
/// </summary>
public sealed class ModelPurityTests
{
    private static readonly Type[] Forbidden =
    [
        typeof(ISymbol),
        typeof(SyntaxNode),
        typeof(SyntaxToken),
        typeof(SyntaxTree),
        typeof(Compilation),
        typeof(SemanticModel),
        typeof(Location),
        typeof(AttributeData),
        typeof(IOperation),
    ];

    [Fact]
    public void Pipeline_models_hold_no_symbols_syntax_compilations_or_locations()
    {
        // The pipeline's outputs (ContractResult → ContractModel, DiagnosticInfo…; ReferencedBackends), then every other model type.
        var roots = new[] { typeof(ContractResult), typeof(ReferencedBackends) }
            .Concat(typeof(ContractGenerator).Assembly.GetTypes().Where(static t =>
                t.Namespace == typeof(ContractModel).Namespace && !t.ContainsGenericParameters && !t.IsAbstract && !t.Name.Contains('<', StringComparison.Ordinal)));
        var problems = new List<string>();
        var visited = new HashSet<Type>();
        foreach (var root in roots)
        {
            Walk(root, root.Name, visited, problems);
        }

        Assert.Empty(problems);
        Assert.Contains(typeof(TensorModel), visited);
        Assert.Contains(typeof(DiagnosticInfo), visited);
        Assert.Contains(typeof(LocationInfo), visited);
    }

    [Fact]
    public void The_walk_finds_a_location_hidden_in_a_model()
    {
        var problems = new List<string>();
        Walk(typeof(Leaky), nameof(Leaky), new HashSet<Type>(), problems);
        Assert.Equal(2, problems.Count);
    }

    /// <summary>Walks every instance field (records keep their data in fields) of <paramref name="type"/> and of the types they hold.</summary>
    private static void Walk(Type type, string path, HashSet<Type> visited, List<string> problems)
    {
        foreach (var forbidden in Forbidden)
        {
            if (forbidden.IsAssignableFrom(type))
            {
                problems.Add($"{path} is {type.Name} ({forbidden.Name})");
                return;
            }
        }

        if (type == typeof(object) || type.IsInterface && type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
        {
            problems.Add($"{path} is {type.Name}, which can hold anything");
            return;
        }

        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || !visited.Add(type))
        {
            return;
        }

        if (type.IsArray)
        {
            Walk(type.GetElementType()!, path + "[]", visited, problems);
            return;
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                Walk(argument, $"{path}<{argument.Name}>", visited, problems);
            }
        }

        for (var current = type; current is not null && current != typeof(object) && current != typeof(ValueType); current = current.BaseType)
        {
            foreach (var field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Walk(field.FieldType, path + "." + field.Name, visited, problems);
            }
        }
    }

    private sealed record Leaky(string Name, EquatableArray<Hidden> Items);

    private sealed record Hidden(Location Where, ISymbol Symbol);
}
