using ModelKit.Generators.Model;

namespace ModelKit.Generators.Emitting
{
    /// <summary>Methods with processing steps: a <c>ProcessedOperation&lt;TInput, TOutput&gt;</c> per method, its steps resolved from DI.</summary>
    internal static partial class ClientEmitter
    {
        private const string Processing = "global::ModelKit.Processing.";

        private static bool HasProcessing(ContractModel contract)
        {
            foreach (var operation in contract.Operations)
            {
                if (operation.Processing is not null && !operation.HasErrors)
                {
                    return true;
                }
            }

            return false;
        }

        private static string ProcessedOperationType(ProcessingModel processing) =>
            Processing + "ProcessedOperation<" + processing.InputType + ", " + processing.OutputType + ">";

        /// <summary>The constructor's line for one method: the operation over the backend, with its two steps resolved.</summary>
        private static void WriteProcessedOperation(SourceWriter writer, ContractModel contract, OperationModel operation, ProcessingModel processing)
        {
            string contractName = contract.InterfaceName.TrimStart('@');
            string operationName = Literal(contractName + "." + operation.MetadataName);
            writer.WriteLine(operation.FieldName + " = new " + ProcessedOperationType(processing) + "(backend, " + Literal(contractName) + ", " + Literal(operation.MetadataName) + ",");
            writer.Indentation++;
            writer.WriteLine(Resolve(processing.Preprocessor, processing.PreprocessorCreatable, operationName, "Preprocess") + ",");
            writer.WriteLine(Resolve(processing.Postprocessor, processing.PostprocessorCreatable, operationName, "Postprocess") + ");");
            writer.Indentation--;
        }

        private static string Resolve(string step, bool creatable, string operationName, string role) =>
            Processing + "ProcessingSteps.Resolve<" + step + ">(services, backend.ModelName, " + operationName + ", " + Literal(role) + ", "
            + (creatable ? "static () => new " + step + "()" : "null") + ")";

        /// <summary>
        /// The method: null check, then the operation's <c>Run</c>, <c>RunAsync</c>, <c>RunBatch</c> or <c>RunBatchAsync</c>. Only a
        /// batch returning <c>Task</c>/<c>ValueTask</c> of <c>IReadOnlyList&lt;T&gt;</c> needs an <c>async</c> method; the others return the
        /// operation's result (a synchronously completed <c>ValueTask</c> on an in-process backend allocates nothing).
        /// </summary>
        private static void WriteProcessed(SourceWriter writer, OperationModel operation, ProcessingModel processing)
        {
            ParameterModel input = null!;
            foreach (var parameter in operation.Parameters)
            {
                if (parameter.Role != ParameterRole.CancellationToken)
                {
                    input = parameter;
                }
            }

            bool batch = operation.Mode == OperationMode.Batch;
            bool awaits = operation.IsAsync && batch && processing.ResultCollection == CollectionKind.ReadOnlyList;
            writer.WriteLine(Signature(operation, isAsync: awaits));
            writer.OpenBlock();
            if (processing.InputNullCheck)
            {
                writer.WriteLine(ThrowIfNull + "(" + input.Name + ");");
            }

            string argument = input.Name + (processing.SuppressInputNullability ? "!" : string.Empty);
            string run = operation.FieldName + "." + (batch ? "RunBatch" : "Run") + (operation.IsAsync ? "Async" : string.Empty)
                + "(" + argument + ", " + CancellationToken(operation) + ")";
            if (awaits)
            {
                writer.WriteLine("return await " + run + ".ConfigureAwait(false);");
            }
            else if (operation.IsAsync && processing.ReturnsTask)
            {
                writer.WriteLine("return " + run + ".AsTask();");
            }
            else
            {
                writer.WriteLine("return " + run + ";");
            }

            writer.CloseBlock();
        }
    }
}
