using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ModelKit.Generators.Emitting;
using ModelKit.Generators.Model;
using ModelKit.Generators.Parsing;

namespace ModelKit.Generators
{
    /// <summary>
    /// Emits a typed client for every <c>[ModelContract]</c> interface, and reports contract mistakes as <c>MK</c> diagnostics.
    /// </summary>
    /// <remarks>
    /// Pipeline: <c>ForAttributeWithMetadataName</c> → <see cref="ContractParser"/> (all symbol work, into equatable records) →
    /// code and diagnostics as separate outputs; a second, tiny pipeline tells which backend assemblies are referenced.
    /// </remarks>
    [Generator(LanguageNames.CSharp)]
    public sealed class ContractGenerator : IIncrementalGenerator
    {
        /// <summary>The attribute that marks a contract.</summary>
        public const string ModelContractAttributeName = "ModelKit.ModelContractAttribute";

        /// <summary>Tracking names of the pipeline's steps (see <see cref="GeneratorDriverOptions.TrackIncrementalGeneratorSteps"/>).</summary>
        public static class Steps
        {
            /// <summary>The transform's result per contract: model and diagnostics.</summary>
            public const string ContractResults = nameof(ContractResults);

            /// <summary>The contracts to emit.</summary>
            public const string ContractModels = nameof(ContractModels);

            /// <summary>The diagnostics of each contract.</summary>
            public const string Diagnostics = nameof(Diagnostics);

            /// <summary>Which backend providers the compilation references.</summary>
            public const string ReferencedBackends = nameof(ReferencedBackends);

            /// <summary>Each contract paired with the referenced backends.</summary>
            public const string ContractsWithBackends = nameof(ContractsWithBackends);
        }

        private static readonly string Version = typeof(ContractGenerator).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

        /// <inheritdoc />
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var results = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ModelContractAttributeName,
                    static (node, _) => node is InterfaceDeclarationSyntax,
                    ContractParser.Parse)
                .WithTrackingName(Steps.ContractResults);

            var diagnostics = results
                .Select(static (result, _) => result.Diagnostics)
                .WithTrackingName(Steps.Diagnostics);

            var models = results
                .Select(static (result, _) => result.Model)
                .Where(static model => model is not null)
                .WithTrackingName(Steps.ContractModels);

            var backends = context.CompilationProvider
                .Select(static (compilation, _) => new ReferencedBackends(
                    compilation.GetTypeByMetadataName(ReferencedBackends.OnnxProviderMetadataName) is not null,
                    compilation.GetTypeByMetadataName(ReferencedBackends.RemoteProviderMetadataName) is not null))
                .WithTrackingName(Steps.ReferencedBackends);

            var contracts = models
                .Combine(backends)
                .WithTrackingName(Steps.ContractsWithBackends);

            context.RegisterSourceOutput(diagnostics, static (spc, items) =>
            {
                foreach (var item in items)
                {
                    spc.ReportDiagnostic(item.ToDiagnostic());
                }
            });

            context.RegisterSourceOutput(contracts, static (spc, pair) =>
            {
                var contract = pair.Left!;
                spc.AddSource(contract.HintName, SourceText.From(ClientEmitter.Emit(contract, pair.Right, Version), System.Text.Encoding.UTF8));
            });
        }
    }
}
