using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ModelKit.Generators.Diagnostics
{
    /// <summary>
    /// The catalog of ModelKit generator diagnostics. IDs are grouped by range: MK1xxx contract shape, MK2xxx tensor members,
    /// MK3xxx checks of a contract against its model's signature. Every ID is documented in <c>docs/diagnostics.md</c>
    /// and tracked in <c>AnalyzerReleases.*.md</c>.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        public const string ContractCategory = "ModelKit.Contract";
        public const string TensorCategory = "ModelKit.Tensor";
        public const string ModelCategory = "ModelKit.Model";
        public const string ProcessingCategory = "ModelKit.Processing";
        private const string HelpLinkBase = "https://github.com/modelkit/modelkit/blob/main/docs/diagnostics.md#";

        // MK1xxx: contract shape.

        public static readonly DiagnosticDescriptor ContractMustBePartial = Error(
            "MK1001", ContractCategory,
            "Model contract must be partial",
            "Model contract '{0}' must be declared 'partial' so that ModelKit can generate its client",
            "A [ModelContract] interface is completed by generated code, which requires the 'partial' modifier.");

        public static readonly DiagnosticDescriptor ModelNameEmpty = Error(
            "MK1002", ContractCategory,
            "Model name is empty",
            "Model contract '{0}' has an empty model name; pass the model's name to [ModelContract(\"name\")]",
            "The model name is the key of the model in configuration and its name on the wire; it cannot be empty.");

        public static readonly DiagnosticDescriptor ContractNested = Error(
            "MK1003", ContractCategory,
            "Model contract must be a top-level interface",
            "Model contract '{0}' is nested in '{1}'; declare it directly in a namespace",
            "Generated clients are emitted beside their contract, so a contract must not be nested in another type.");

        public static readonly DiagnosticDescriptor ContractGeneric = Error(
            "MK1004", ContractCategory,
            "Model contract must not be generic",
            "Model contract '{0}' has type parameters; a model contract must not be generic",
            "A model's tensors have fixed element types, so a model contract cannot be generic.");

        public static readonly DiagnosticDescriptor UnsupportedContractMember = Error(
            "MK1005", ContractCategory,
            "Unsupported contract member",
            "'{0}' is not supported in a model contract: {1}",
            "A model contract declares instance methods only; properties, events, indexers and static abstract members cannot be generated (members with a default implementation are allowed).");

        public static readonly DiagnosticDescriptor GenericMethod = Error(
            "MK1006", ContractCategory,
            "Contract method must not be generic",
            "Method '{0}' has type parameters; model contract methods cannot be generic",
            "A model's tensors have fixed element types, so a contract method cannot have type parameters.");

        public static readonly DiagnosticDescriptor AsyncWithoutCancellationToken = Error(
            "MK1007", ContractCategory,
            "Asynchronous method needs a CancellationToken",
            "Asynchronous method '{0}' must take a CancellationToken parameter",
            "An asynchronous contract method (returning Task or ValueTask) must take a CancellationToken, which cancels the model run.");

        public static readonly DiagnosticDescriptor UnsupportedReturnType = Error(
            "MK1008", ContractCategory,
            "Unsupported return type",
            "Method '{0}' returns '{1}', which a model contract cannot return; {2}",
            "A contract method returns an output type (a class or struct with settable [Tensor] members), a tensor marked [return: Tensor], an array or IReadOnlyList of output types for a batch, or nothing, optionally wrapped in Task or ValueTask.");

        public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
            "MK1009", ContractCategory,
            "Unsupported parameter",
            "Parameter '{0}' of method '{1}' is not supported: {2}",
            "A contract parameter is an input type (a class or struct with [Tensor] members), a tensor, an [Output] destination, a batch list or a CancellationToken, passed by value.");

        public static readonly DiagnosticDescriptor NoOutputs = Error(
            "MK1010", ContractCategory,
            "Method reads no outputs",
            "Method '{0}' reads no model outputs; return an output type or a [return: Tensor] value, or add an [Output] parameter",
            "Every contract method reads at least one output of the model.");

        public static readonly DiagnosticDescriptor ClientNameCollision = Error(
            "MK1011", ContractCategory,
            "Generated client name is taken",
            "The client generated for '{0}' would be named '{1}', which already exists in namespace '{2}'; rename the contract or the existing type",
            "ModelKit emits the client of contract 'IName' as 'NameModelClient' in the contract's namespace.");

        public static readonly DiagnosticDescriptor InheritedMembers = Error(
            "MK1012", ContractCategory,
            "Contract inherits members",
            "Model contract '{0}' inherits abstract members from '{1}'; declare every operation on the contract itself",
            "The generated client implements the operations declared on the contract; abstract members inherited from other interfaces cannot be generated.");

        public static readonly DiagnosticDescriptor InvalidBatch = Error(
            "MK1013", ContractCategory,
            "Unsupported batch method",
            "Batch method '{0}' is not supported: {1}",
            "A batch method takes one IReadOnlyList<TIn> or TIn[] of input types (and optionally a CancellationToken) and returns TOut[] or IReadOnlyList<TOut> of output types, optionally wrapped in Task or ValueTask.");

        public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error(
            "MK1014", ContractCategory,
            "C# 11 or later required",
            "Model contract '{0}' needs C# 11 or later, but the project compiles C# {1}; set <LangVersion>11</LangVersion> or later (the default of net7.0 and later), or remove the LangVersion setting",
            "The generated code implements IModelContract<T>'s static abstract members, which C# 11 introduced. ModelKit supports C# 11 and later.");

        public static readonly DiagnosticDescriptor ContractFileLocal = Error(
            "MK1015", ContractCategory,
            "Model contract must not be file-local",
            "Model contract '{0}' is declared 'file'; the generated client lives in another file and cannot complete it, so declare the contract 'internal' or 'public'",
            "A file-local type can only be completed within its own file; generated code is always another file.");

        public static readonly DiagnosticDescriptor HidesContractMember = Warning(
            "MK1016", ContractCategory,
            "Contract member hides an IModelContract member",
            "'{0}' hides IModelContract<T>.{1}, which the generated code implements (CS0108); rename it, or declare it 'new' if hiding is intended",
            "The generated part of a contract derives it from IModelContract<T>, whose static members Descriptor, CreateClient and AddBackends a contract member of the same name and signature hides.");

        // MK2xxx: tensor members.

        public static readonly DiagnosticDescriptor NoTensorMembers = Error(
            "MK2001", TensorCategory,
            "Type has no [Tensor] members",
            "Type '{0}' used by {1} has no [Tensor] members; {2}",
            "Input and output types map their members to model tensors with [Tensor]; a type without any cannot carry data to or from the model.");

        public static readonly DiagnosticDescriptor MissingTensorAttribute = Error(
            "MK2002", TensorCategory,
            "Tensor name missing",
            "{0} has no [Tensor] attribute and its tensor name cannot be inferred; add [Tensor(\"name\")]",
            "A parameter or return value that is itself a tensor names its model tensor with [Tensor] (or [return: Tensor]); a parameter may omit it when a [Tensor] member of the same name elsewhere in the contract names the tensor.");

        public static readonly DiagnosticDescriptor UnsupportedTensorType = Error(
            "MK2003", TensorCategory,
            "Unsupported tensor member",
            "{0} cannot be a tensor: {1}",
            "A tensor member is T[], ReadOnlyMemory<T>, Memory<T>, ModelKit.ModelTensor<T> or a scalar T (string and string[] included), for T in float, double, sbyte, byte, short, ushort, int, uint, long, ulong, bool, string, System.Half and ModelKit.BFloat16.");

        public static readonly DiagnosticDescriptor DuplicateTensorName = Error(
            "MK2004", TensorCategory,
            "Tensor mapped twice",
            "Tensor '{0}' is mapped twice among the {1} of method '{2}': by {3} and by {4}",
            "Within one operation, each model input and each model output is mapped by one member only.");

        public static readonly DiagnosticDescriptor EmptyTensorName = Error(
            "MK2005", TensorCategory,
            "Tensor name is empty",
            "{0} has an empty tensor name",
            "[Tensor] names a tensor of the model graph; the name cannot be empty.");

        public static readonly DiagnosticDescriptor InvalidShape = Error(
            "MK2006", TensorCategory,
            "Invalid tensor shape",
            "{0} declares shape {1}; each dimension must be -1 (dynamic) or at least 0",
            "A declared dimension is a fixed size (0 or more) or -1 for a dimension known only at run time.");

        public static readonly DiagnosticDescriptor ScalarShape = Error(
            "MK2007", TensorCategory,
            "Scalar with a shape of several elements",
            "{0} is a scalar but declares shape {1}, which cannot hold exactly one element; declare no shape (rank 0) or a shape of one element such as [1]",
            "A scalar member carries one element; its declared shape must hold exactly one element, or be omitted for a rank-0 tensor.");

        public static readonly DiagnosticDescriptor OutputTypeNotConstructible = Error(
            "MK2008", TensorCategory,
            "Output type cannot be created",
            "Output type '{0}' cannot be created by the generated client: {1}",
            "The generated client creates output types with 'new T()' and then sets their [Tensor] members, so an output type needs an accessible parameterless constructor, must not be abstract and must not have required members.");

        public static readonly DiagnosticDescriptor OutputMemberNotSettable = Error(
            "MK2009", TensorCategory,
            "Output member is not settable",
            "Output member '{0}' cannot be set by the generated client: {1}",
            "The generated client assigns each [Tensor] member of an output type, so it needs a setter (not init-only) or a non-readonly field.");

        public static readonly DiagnosticDescriptor MemberNotAccessible = Error(
            "MK2010", TensorCategory,
            "Tensor member is not accessible",
            "Tensor member '{0}' is not accessible to the generated client; make its {1} public or internal",
            "The generated client lives in the contract's assembly and reads input members and writes output members directly, without reflection.");

        public static readonly DiagnosticDescriptor UnsupportedOutputDestination = Error(
            "MK2011", TensorCategory,
            "Unsupported output destination",
            "{0} cannot receive output '{1}': an [Output] destination is T[] or Memory<T>",
            "An [Output] parameter (or a [Tensor] member of an [Output] object) is caller-owned memory the model writes into: a T[] or a Memory<T>.");

        // MK3xxx: a contract checked against its model's signature (models listed as <ModelKitModel> items).

        public static readonly DiagnosticDescriptor UnknownInput = Error(
            "MK3001", ModelCategory,
            "Unknown model input",
            "'{0}' maps to input '{1}', which model '{2}' does not have{3}",
            "Every input tensor of a contract must name an input of the model graph (names are case-sensitive).");

        public static readonly DiagnosticDescriptor UnknownOutput = Error(
            "MK3002", ModelCategory,
            "Output missing in model",
            "'{0}' reads output '{1}', which model '{2}' does not have{3}",
            "Every output tensor a contract reads must name an output of the model graph (names are case-sensitive).");

        public static readonly DiagnosticDescriptor ElementTypeMismatch = Error(
            "MK3003", ModelCategory,
            "Element type mismatch",
            "'{0}' has element type '{1}', but {2} '{3}' of model '{4}' is {5}; use {6}",
            "A tensor member's element type must be the .NET type of the model tensor's element type (float for FLOAT, long for INT64…).");

        public static readonly DiagnosticDescriptor RankMismatch = Error(
            "MK3004", ModelCategory,
            "Rank mismatch",
            "'{0}' declares shape {1} (rank {2}), but {3} '{4}' of model '{5}' has shape {6} (rank {7})",
            "A declared shape must have as many dimensions as the model tensor.");

        public static readonly DiagnosticDescriptor DimensionMismatch = Error(
            "MK3005", ModelCategory,
            "Fixed dimension mismatch",
            "'{0}' declares dimension {1} as {2}, but {3} '{4}' of model '{5}' has shape {6}, where it is {7}",
            "A declared dimension must equal the model's where the model fixes it; use -1 for a dimension the model leaves dynamic.");

        public static readonly DiagnosticDescriptor InputNotSupplied = Error(
            "MK3006", ModelCategory,
            "Required model input never supplied",
            "Method '{0}' never supplies input '{1}' of model '{2}' ({3}); add a [Tensor(\"{1}\")] member of element type {4}",
            "Every input of the model graph is required: each contract method must supply all of them.");

        public static readonly DiagnosticDescriptor SignatureUnreadable = Error(
            "MK3007", ModelCategory,
            "Model signature cannot be read",
            "Model signature '{0}' cannot be read ({1}), so contract '{2}' is not checked against it",
            "The .modelkit-signature file written by the ModelKit build step is malformed or from another version of ModelKit.");

        public static readonly DiagnosticDescriptor CannotScaffold = Error(
            "MK3008", ModelCategory,
            "Model cannot be scaffolded",
            "Model '{0}' cannot be scaffolded into '{1}': '{2}' {3}; declare the contract's members yourself",
            "An empty contract is scaffolded from its model's signature; every input and output must be a tensor of a supported element type.");

        public static readonly DiagnosticDescriptor ModelNotListed = Warning(
            "MK3009", ModelCategory,
            "Empty contract of an unlisted model",
            "Model contract '{0}' declares no methods and model '{1}' is not listed{2}; list it with <ModelKitModel Include=\"path/to/model.onnx\" Name=\"{1}\" /> to scaffold the contract from the model, or declare its methods",
            "An empty contract is scaffolded from the signature of its model, listed as a ModelKitModel item whose Name equals the contract's model name (case-sensitive). Without it the contract has no methods.");

        public static readonly DiagnosticDescriptor BinaryAgainstOnnxString = Error(
            "MK3010", ModelCategory,
            "Binary tensor against an ONNX string tensor",
            "'{0}' is a binary tensor (ReadOnlyMemory<byte> elements), but {1} '{2}' of model '{3}' is an ONNX string tensor, which holds UTF-8 text: ONNX has no bytes type and ONNX Runtime cannot run binary elements; declare string elements (string[]), or call a served model whose BYTES {1} takes binary elements",
            "Binary elements (ReadOnlyMemory<byte>) travel to BYTES tensors of remote Open Inference Protocol servers and served pipelines. A listed ONNX model runs on ONNX Runtime, whose string tensors take UTF-8 text only.");

        // MK4xxx: processing steps ([Preprocess<TStep>], [Postprocess<TStep>]).

        public static readonly DiagnosticDescriptor StepNotImplemented = Error(
            "MK4001", ProcessingCategory,
            "Processing step does not implement its interface",
            "'{0}' is named by [{1}<{0}>] on '{2}' but does not implement {3}; name a class that implements {3}",
            "A pre-processing step implements ModelKit.Processing.IPreprocessor<TInput>, a post-processing step ModelKit.Processing.IPostprocessor<TOutput>.");

        public static readonly DiagnosticDescriptor StepInputMismatch = Error(
            "MK4002", ProcessingCategory,
            "Pre-processing step does not fit the method's input",
            "[Preprocess<{0}>] does not fit '{1}': {0} implements {2}, but the method takes '{3}'; {4}",
            "The pre-processing step's TInput must take the method's parameter (or, for a batch method taking IReadOnlyList<T> or T[], its item type T).");

        public static readonly DiagnosticDescriptor StepOutputMismatch = Error(
            "MK4003", ProcessingCategory,
            "Post-processing step does not fit the method's result",
            "[Postprocess<{0}>] does not fit '{1}': {0} implements {2}, but the method returns '{3}'; {4}",
            "The post-processing step's TOutput must be the method's result type (optionally in Task or ValueTask; for a batch method, the item type of the TOut[] or IReadOnlyList<TOut> it returns).");

        public static readonly DiagnosticDescriptor StepNotConcrete = Error(
            "MK4004", ProcessingCategory,
            "Processing step is not a concrete class",
            "'{0}', named by [{1}<{0}>] on '{2}', is {3}; name the concrete class that does the processing (register an instance in dependency injection to configure it)",
            "A processing step is a concrete class, resolved from dependency injection by its own type (keyed by the model's name, then unkeyed); abstract classes and interfaces cannot name one.");

        public static readonly DiagnosticDescriptor StepNotAccessible = Error(
            "MK4005", ProcessingCategory,
            "Processing step is not accessible",
            "'{0}', named by [{1}<{0}>] on '{2}', is not accessible to the generated client; make it internal or public",
            "The generated client, which lives in the contract's assembly and namespace, resolves the step by its type.");

        public static readonly DiagnosticDescriptor StepMissing = Error(
            "MK4006", ProcessingCategory,
            "Processing step missing",
            "'{0}' names a {1} step but no {2} step; add [{3}<TStep>] with a step that {4}",
            "A method with processing turns its input into the model's inputs with a pre-processing step and the model's outputs into its result with a post-processing step: it names both.");

        public static readonly DiagnosticDescriptor ProcessedMethodShape = Error(
            "MK4007", ProcessingCategory,
            "Unsupported method with processing steps",
            "Method '{0}' names processing steps, so {1}",
            "A method with processing steps takes one input (a value, or IReadOnlyList<T> or T[] of values for a batch) and optionally a CancellationToken, and returns the post-processing step's result (an array or IReadOnlyList of them for a batch), optionally in Task or ValueTask; the steps write every model input and read every output, so tensor parameters, [Output] parameters and [return: Tensor] are not used.");

        private static readonly Dictionary<string, DiagnosticDescriptor> ById = Index(
            ContractMustBePartial, ModelNameEmpty, ContractNested, ContractGeneric, UnsupportedContractMember, GenericMethod,
            AsyncWithoutCancellationToken, UnsupportedReturnType, UnsupportedParameter, NoOutputs, ClientNameCollision, InheritedMembers,
            InvalidBatch, LanguageVersionTooLow, ContractFileLocal, HidesContractMember, NoTensorMembers, MissingTensorAttribute, UnsupportedTensorType, DuplicateTensorName, EmptyTensorName, InvalidShape,
            ScalarShape, OutputTypeNotConstructible, OutputMemberNotSettable, MemberNotAccessible, UnsupportedOutputDestination,
            UnknownInput, UnknownOutput, ElementTypeMismatch, RankMismatch, DimensionMismatch, InputNotSupplied, SignatureUnreadable, CannotScaffold, ModelNotListed, BinaryAgainstOnnxString,
            StepNotImplemented, StepInputMismatch, StepOutputMismatch, StepNotConcrete, StepNotAccessible, StepMissing, ProcessedMethodShape);

        /// <summary>Every descriptor, by ID.</summary>
        public static IReadOnlyDictionary<string, DiagnosticDescriptor> All => ById;

        /// <summary>The descriptor of <paramref name="id"/>.</summary>
        public static DiagnosticDescriptor Find(string id) => ById[id];

        private static DiagnosticDescriptor Error(string id, string category, string title, string message, string description) =>
            new DiagnosticDescriptor(
                id,
                title,
                message,
                category,
                DiagnosticSeverity.Error,
                isEnabledByDefault: true,
                description: description,
                helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

        private static DiagnosticDescriptor Warning(string id, string category, string title, string message, string description) =>
            new DiagnosticDescriptor(
                id,
                title,
                message,
                category,
                DiagnosticSeverity.Warning,
                isEnabledByDefault: true,
                description: description,
                helpLinkUri: HelpLinkBase + id.ToLowerInvariant());

        private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
        {
            var index = new Dictionary<string, DiagnosticDescriptor>(descriptors.Length);
            foreach (var descriptor in descriptors)
            {
                index.Add(descriptor.Id, descriptor);
            }

            return index;
        }
    }
}
