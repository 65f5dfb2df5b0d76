using System.Collections.Generic;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ModelKit.Generators.Checking;
using ModelKit.Generators.Emitting;
using ModelKit.Generators.Model;
using ModelKit.Generators.Parsing;
using ModelKit.Generators.Scaffolding;

namespace ModelKit.Generators
{
    /// <summary>
    /// Emits a typed client for every <c>[ModelContract]</c> interface, and reports contract mistakes as <c>MK</c> diagnostics.
    /// </summary>
    /// <remarks>
    /// Pipeline: <c>ForAttributeWithMetadataName</c> → <see cref="ContractParser"/> (all symbol work, into equatable records) →
    /// code and diagnostics as separate outputs; a second, tiny pipeline tells which backend assemblies are referenced. Model
    /// signatures (<c>.modelkit-signature</c> AdditionalFiles) are parsed in their own transform and paired with each contract:
    /// empty contracts of listed models are scaffolded, and every contract of a listed model is checked (MK3xxx).
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

            /// <summary>Each <c>.modelkit-signature</c> AdditionalFile, parsed.</summary>
            public const string Signatures = nameof(Signatures);

            /// <summary>Each contract to emit, with the signature to scaffold it from when it is empty and its model listed.</summary>
            public const string ContractsToEmit = nameof(ContractsToEmit);

            /// <summary>Each contract's tensors with their locations, for the checks against its model.</summary>
            public const string ContractChecks = nameof(ContractChecks);

            /// <summary>Each contract's checks paired with its model's signature; for an empty contract of an unlisted model, the listed names (MK3009); else null (no checks, and no locations to change).</summary>
            public const string CheckedContracts = nameof(CheckedContracts);

            /// <summary>The MK3xxx diagnostics of each contract.</summary>
            public const string SignatureDiagnostics = nameof(SignatureDiagnostics);
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

            // Model signatures (AdditionalFiles written by the ModelKit.Build targets), parsed in the transform. Each contract picks
            // its own from the collected set, so a changed sidecar leaves the other contracts' values equal (Unchanged).
            var signatures = context.AdditionalTextsProvider
                .Where(static file => SignatureParser.IsSignaturePath(file.Path))
                .Select(static (file, cancellationToken) => SignatureParser.Parse(file.Path, file.GetText(cancellationToken)?.ToString() ?? string.Empty))
                .WithTrackingName(Steps.Signatures)
                .Collect();

            var toEmit = models
                .Combine(signatures)
                .Select(static (pair, _) => new ContractToEmit(
                    pair.Left!,
                    pair.Left!.Scaffold is not null && Find(pair.Right, pair.Left.ModelName) is { } signature && ScaffoldEmitter.CanScaffold(signature) ? signature : null))
                .WithTrackingName(Steps.ContractsToEmit);

            var contracts = toEmit
                .Combine(backends)
                .WithTrackingName(Steps.ContractsWithBackends);

            // The checks: each contract's tensors with their locations (moving a member changes them, and never the client above),
            // paired with the contract's signature.
            var checks = results
                .Select(static (result, _) => result.Check)
                .Where(static check => check is not null)
                .WithTrackingName(Steps.ContractChecks)
                .Combine(signatures)
                .Select(static (pair, _) => Find(pair.Right, pair.Left!.ModelName) is { } signature
                    ? new CheckedContract(pair.Left!, signature)
                    : pair.Left!.IsEmpty ? new CheckedContract(pair.Left!, null, ListedModels(pair.Right)) : null)
                .WithTrackingName(Steps.CheckedContracts)
                .Select(static (pair, _) => pair is null ? EquatableArray<DiagnosticInfo>.Empty : SignatureChecker.Check(pair))
                .WithTrackingName(Steps.SignatureDiagnostics);

            context.RegisterSourceOutput(checks, static (spc, items) =>
            {
                foreach (var item in items)
                {
                    spc.ReportDiagnostic(item.ToDiagnostic());
                }
            });

            context.RegisterSourceOutput(diagnostics, static (spc, items) =>
            {
                foreach (var item in items)
                {
                    spc.ReportDiagnostic(item.ToDiagnostic());
                }
            });

            context.RegisterSourceOutput(contracts, static (spc, pair) =>
            {
                var contract = pair.Left.Contract;
                if (pair.Left.Scaffold is { } signature && contract.Scaffold is { } names)
                {
                    string scaffold = ScaffoldEmitter.Emit(ScaffoldEmitter.Mode.Generator, contract.Namespace, contract.InterfaceName, names.Accessibility, contract.ModelName, names.InputType, names.OutputType, signature, Version);
                    spc.AddSource(HintNames.ScaffoldOf(contract.HintName), SourceText.From(scaffold, System.Text.Encoding.UTF8));
                    contract = contract with { Operations = ScaffoldEmitter.Operations(contract.Namespace, names.InputType, names.OutputType, signature) };
                }

                spc.AddSource(contract.HintName, SourceText.From(ClientEmitter.Emit(contract, pair.Right, Version), System.Text.Encoding.UTF8));
            });
        }

        /// <summary>The names of the listed models, sorted (for the warning on an empty contract whose model is not among them).</summary>
        private static EquatableArray<string> ListedModels(ImmutableArray<ModelSignature> signatures)
        {
            var names = new List<string>(signatures.Length);
            foreach (var signature in signatures)
            {
                if (!names.Contains(signature.ModelName))
                {
                    names.Add(signature.ModelName);
                }
            }

            names.Sort(System.StringComparer.Ordinal);
            return names.ToEquatableArray();
        }

        /// <summary>The signature of <paramref name="modelName"/>; the first by path when several sidecars name it.</summary>
        private static ModelSignature? Find(ImmutableArray<ModelSignature> signatures, string modelName)
        {
            ModelSignature? found = null;
            foreach (var signature in signatures)
            {
                if (string.Equals(signature.ModelName, modelName, System.StringComparison.Ordinal)
                    && (found is null || string.CompareOrdinal(signature.Path, found.Path) < 0))
                {
                    found = signature;
                }
            }

            return found;
        }
    }
}
