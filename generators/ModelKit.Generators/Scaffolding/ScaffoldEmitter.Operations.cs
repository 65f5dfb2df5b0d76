using System.Collections.Generic;
using ModelKit.Generators.Model;

namespace ModelKit.Generators.Scaffolding
{
    /// <summary>The generator's part of the scaffold: the scaffolded contract's operations, for the client emitter.</summary>
    internal static partial class ScaffoldEmitter
    {
        /// <summary>The operations of the scaffolded contract, as the parser would read them from <see cref="Emit"/>'s declarations.</summary>
        public static EquatableArray<OperationModel> Operations(string? ns, string inputType, string outputType, ModelSignature signature)
        {
            string qualifier = "global::" + (ns is null ? string.Empty : ns + ".");
            string inputFull = qualifier + inputType;
            string outputFull = qualifier + outputType;
            var inputs = Layout(signature.Inputs, inputType);
            var outputs = Layout(signature.Outputs, outputType);
            var inputParameter = new ParameterModel("input", inputFull, string.Empty, ParameterRole.InputObject, true, false);
            var single = new EquatableArray<ParameterModel>(new[] { inputParameter });
            var withToken = new EquatableArray<ParameterModel>(new[] { inputParameter, new ParameterModel("cancellationToken", "global::System.Threading.CancellationToken", string.Empty, ParameterRole.CancellationToken, false, false) });
            var batch = new EquatableArray<ParameterModel>(new[] { new ParameterModel("inputs", "global::System.Collections.Generic.IReadOnlyList<" + inputFull + ">", string.Empty, ParameterRole.BatchItems, true, true) });
            var inputTensors = Tensors(inputs, 0);
            var outputTensors = Tensors(outputs, -1);
            return new EquatableArray<OperationModel>(new[]
            {
                new OperationModel("Predict", "Predict", "_predict", OperationMode.Single, false, outputFull, ResultKind.Object, outputFull, CollectionKind.None, single, inputTensors, outputTensors, false),
                new OperationModel("PredictAsync", "PredictAsync", "_predictAsync", OperationMode.Single, true, "global::System.Threading.Tasks.ValueTask<" + outputFull + ">", ResultKind.Object, outputFull, CollectionKind.None, withToken, inputTensors, outputTensors, false),
                new OperationModel("PredictBatch", "PredictBatch", "_predictBatch", OperationMode.Batch, false, outputFull + "[]", ResultKind.Object, outputFull, CollectionKind.ReadOnlyList, batch, inputTensors, outputTensors, false),
            });
        }

        private static EquatableArray<TensorModel> Tensors(List<Slot> slots, int parameterIndex)
        {
            var models = new List<TensorModel>(slots.Count);
            foreach (var slot in slots)
            {
                models.Add(new TensorModel(slot.Tensor.Name, slot.CSharpType, slot.ElementMember, slot.HasShape, slot.Shape.ToEquatableArray(), slot.TypeName + "." + slot.Name, slot.Scalar ? TensorAccess.Scalar : TensorAccess.Array, parameterIndex, slot.Name));
            }

            return models.ToEquatableArray();
        }
    }
}
