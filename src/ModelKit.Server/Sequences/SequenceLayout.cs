namespace ModelKit.Server;

/// <summary>
/// A <see cref="SequenceBatchingConfig"/> resolved against a model's signature: which inputs the client sends, which the server
/// fills (state, constants), which outputs go back and which are kept as state, and how each state is stacked along its batch
/// axis. Checked at load: a configuration that does not fit the model fails the load with the field at fault.
/// </summary>
internal sealed class SequenceLayout
{
    private SequenceLayout(ModelSignature full, ModelSignature client)
    {
        Full = full;
        Client = client;
    }

    /// <summary>The model's own signature (what the runner binds).</summary>
    public ModelSignature Full { get; }

    /// <summary>What clients see and send: the inputs and outputs that are neither state nor constants.</summary>
    public ModelSignature Client { get; }

    /// <summary>Full-signature index of each client input, in <see cref="Client"/> order.</summary>
    public int[] ClientInputs { get; private init; } = [];

    /// <summary>Full-signature index of each client output, in <see cref="Client"/> order.</summary>
    public int[] ClientOutputs { get; private init; } = [];

    /// <summary>The state pairs.</summary>
    public StateSlot[] States { get; private init; } = [];

    /// <summary>The constant inputs: full-signature index and value.</summary>
    public (int Index, TensorValue Value)[] Constants { get; private init; } = [];

    /// <summary>The control inputs: full-signature index, the control, and the input's rank (1: <c>[batch]</c>, 2: <c>[batch, 1]</c>).</summary>
    public ControlSlot[] Controls { get; private init; } = [];

    /// <summary>One control input resolved.</summary>
    /// <param name="Input">Full-signature input index.</param>
    /// <param name="Control">The configured control.</param>
    /// <param name="Rank">The input's rank: 1 (<c>[batch]</c>) or 2 (<c>[batch, 1]</c>).</param>
    public sealed record ControlSlot(int Input, SequenceControlInput Control, int Rank)
    {
        /// <summary>The tensor's shape for <paramref name="batch"/> rows.</summary>
        public long[] ShapeFor(int batch) => Rank == 1 ? [batch] : [batch, 1];
    }

    /// <summary>The largest run: the configuration's, or 1 when a stacked dimension is fixed at 1.</summary>
    public int MaxBatchSize { get; private init; }

    /// <summary>One state pair resolved: indices, element type and layout.</summary>
    /// <param name="Input">Full-signature input index.</param>
    /// <param name="Output">Full-signature output index.</param>
    /// <param name="Name">The input's name (for errors).</param>
    /// <param name="ElementType">The element type.</param>
    /// <param name="Dims">One sequence's shape without the batch axis.</param>
    /// <param name="BatchAxis">Where the batch dimension goes.</param>
    /// <param name="Outer">Elements before the batch axis (product of dims before it).</param>
    /// <param name="Inner">Elements after the batch axis (product of dims from it on).</param>
    public sealed record StateSlot(int Input, int Output, string Name, TensorElementType ElementType, long[] Dims, int BatchAxis, int Outer, int Inner)
    {
        /// <summary>One sequence's initial state bytes (<c>initial_state.data_file</c>, row-major without the batch axis), or null for zeros.</summary>
        public byte[]? Initial { get; init; }

        /// <summary>Sets one sequence's state bytes to the initial state.</summary>
        public void Reset(byte[] state)
        {
            if (Initial is { } initial)
            {
                initial.CopyTo(state, 0);
            }
            else
            {
                Array.Clear(state);
            }
        }

        /// <summary>Bytes of one sequence's state.</summary>
        public int ByteLength => Outer * Inner * TensorElementTypes.SizeOf(ElementType);

        /// <summary>The model's state shape for <paramref name="batch"/> sequences.</summary>
        public long[] ShapeFor(int batch)
        {
            var shape = new long[Dims.Length + 1];
            for (int d = 0, s = 0; d < shape.Length; d++)
            {
                shape[d] = d == BatchAxis ? batch : Dims[s++];
            }

            return shape;
        }
    }

    public static SequenceLayout Resolve(string model, ModelSignature full, SequenceBatchingConfig config)
    {
        const string at = "config.json: sequence_batching";
        int maxBatch = config.MaxBatchSize;
        var stateInputs = new HashSet<int>();
        var stateOutputs = new HashSet<int>();
        var states = new List<StateSlot>();
        foreach (var state in config.States)
        {
            int input = full.IndexOfInput(state.InputName);
            int output = full.IndexOfOutput(state.OutputName);
            if (input < 0)
            {
                throw new ModelLoadException(model, $"{at}.state input_name '{state.InputName}' is not an input of the model; its inputs are {ModelServer.Describe(full.Inputs)}.");
            }

            if (output < 0)
            {
                throw new ModelLoadException(model, $"{at}.state output_name '{state.OutputName}' is not an output of the model; its outputs are {ModelServer.Describe(full.Outputs)}.");
            }

            var inInfo = full.Inputs[input];
            var outInfo = full.Outputs[output];
            if (inInfo.ElementType != outInfo.ElementType || inInfo.ElementType is TensorElementType.String or TensorElementType.Undefined)
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}'/'{state.OutputName}': the input is {ModelServer.Describe(inInfo)} and the output {ModelServer.Describe(outInfo)}; a state needs one fixed-size numeric type on both.");
            }

            if (state.DataType is { } declared && !string.Equals(declared, TritonTypeName(inInfo.ElementType), StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}' declares data_type {declared} but the model's input is {TritonTypeName(inInfo.ElementType)}.");
            }

            int rank = inInfo.Shape.Length;
            if (rank == 0 || state.BatchAxis < 0 || state.BatchAxis >= rank)
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}': batch_axis {state.BatchAxis} is outside the input's shape {TensorShape.Format(inInfo.Shape)}.");
            }

            var modelDims = inInfo.Shape.Where((_, d) => d != state.BatchAxis).ToArray();
            var dims = state.Dims ?? modelDims;
            if (dims.Length != rank - 1)
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}': dims {TensorShape.Format(dims)} must have {rank - 1} dimensions (the input {TensorShape.Format(inInfo.Shape)} without its batch axis {state.BatchAxis}).");
            }

            for (int d = 0; d < dims.Length; d++)
            {
                if (dims[d] < 1 || (modelDims[d] >= 0 && modelDims[d] != dims[d]))
                {
                    throw new ModelLoadException(model, $"{at}.state '{state.InputName}': dims {TensorShape.Format(dims)} do not fit the input's shape {TensorShape.Format(inInfo.Shape)} with batch axis {state.BatchAxis}{(state.Dims is null ? " (give dims where the model's are dynamic)" : string.Empty)}.");
                }
            }

            if (inInfo.Shape[state.BatchAxis] == 1)
            {
                maxBatch = 1;
            }

            long outer = 1;
            long inner = 1;
            for (int d = 0; d < dims.Length; d++)
            {
                if (d < state.BatchAxis)
                {
                    outer *= dims[d];
                }
                else
                {
                    inner *= dims[d];
                }
            }

            if (outer * inner > 16 * 1024 * 1024)
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}': {outer * inner} elements per sequence is more than the 16M a state may hold.");
            }

            long stateBytes = outer * inner * TensorElementTypes.SizeOf(inInfo.ElementType);
            if (state.InitialData is { } initialData && initialData.LongLength != stateBytes)
            {
                throw new ModelLoadException(model, $"{at}.state '{state.InputName}': initial_state.data_file '{state.InitialDataFile}' has {initialData.LongLength} bytes; one sequence's state {TritonTypeName(inInfo.ElementType)}{TensorShape.Format(dims)} takes {stateBytes} (raw little-endian values in row-major order, without the batch dimension).");
            }

            stateInputs.Add(input);
            stateOutputs.Add(output);
            states.Add(new StateSlot(input, output, inInfo.Name, inInfo.ElementType, dims, state.BatchAxis, (int)outer, (int)inner) { Initial = state.InitialData });
        }

        var constants = new List<(int, TensorValue)>();
        foreach (var constant in config.ConstantInputs)
        {
            int input = full.IndexOfInput(constant.Name);
            if (input < 0 || stateInputs.Contains(input))
            {
                throw new ModelLoadException(model, $"{at}.constant_input '{constant.Name}' is not an input of the model (or is a state); its inputs are {ModelServer.Describe(full.Inputs)}.");
            }

            var info = full.Inputs[input];
            var shape = info.Shape.Select(static d => d < 0 ? 1L : d).ToArray();
            var buffer = TensorElementTypes.Allocate(info.ElementType, checked((int)TensorShape.ElementCount(shape)));
            Fill(model, constant, info, buffer);
            stateInputs.Add(input);
            constants.Add((input, new TensorValue(shape, buffer)));
        }

        var controls = new List<ControlSlot>();
        foreach (var control in config.ControlInputs)
        {
            int input = full.IndexOfInput(control.Name);
            if (input < 0 || stateInputs.Contains(input))
            {
                throw new ModelLoadException(model, $"{at}.control_input '{control.Name}' is not an input of the model (or is already a state or constant_input); its inputs are {ModelServer.Describe(full.Inputs)}.");
            }

            var info = full.Inputs[input];
            string kind = control.Kind switch
            {
                SequenceControlKind.Start => "CONTROL_SEQUENCE_START",
                SequenceControlKind.Ready => "CONTROL_SEQUENCE_READY",
                SequenceControlKind.End => "CONTROL_SEQUENCE_END",
                _ => "CONTROL_SEQUENCE_CORRID",
            };
            if (info.ElementType != control.ElementType)
            {
                string given = control.Kind == SequenceControlKind.CorrelationId
                    ? $"data_type {TritonTypeName(control.ElementType)}"
                    : control.ElementType switch { TensorElementType.Int32 => "int32_false_true", TensorElementType.Float => "fp32_false_true", _ => "bool_false_true" } + $" ({TritonTypeName(control.ElementType)})";
                throw new ModelLoadException(model, $"{at}.control_input '{control.Name}' ({kind}) gives {given} but the model's input is {ModelServer.Describe(info)}.");
            }

            bool rowShape = info.Shape.Length is 1 or 2 && info.Shape[0] is -1 or 1 && (info.Shape.Length == 1 || info.Shape[1] is -1 or 1);
            if (!rowShape)
            {
                throw new ModelLoadException(model, $"{at}.control_input '{control.Name}' ({kind}): the model's input is {ModelServer.Describe(info)}; a control tensor holds one value per batch row: [batch] or [batch, 1].");
            }

            if (info.Shape[0] == 1)
            {
                maxBatch = 1;
            }

            stateInputs.Add(input);
            controls.Add(new ControlSlot(input, control, info.Shape.Length));
        }

        var clientInputs = Enumerable.Range(0, full.Inputs.Count).Where(i => !stateInputs.Contains(i)).ToArray();
        var clientOutputs = Enumerable.Range(0, full.Outputs.Count).Where(i => !stateOutputs.Contains(i)).ToArray();
        foreach (int i in clientInputs)
        {
            var info = full.Inputs[i];
            if (info.Shape.Length == 0 || (info.Shape[0] != -1 && info.Shape[0] != 1))
            {
                throw new ModelLoadException(model, $"{at}: input '{info.Name}' {ModelServer.Describe(info)} has no batch dimension (dimension 0, dynamic or 1) to stack sequences along; make it a state or a constant_input.");
            }

            if (info.ElementType == TensorElementType.String)
            {
                throw new ModelLoadException(model, $"{at}: input '{info.Name}' is BYTES; sequence models take fixed-size inputs.");
            }

            if (info.Shape[0] == 1)
            {
                maxBatch = 1;
            }
        }

        foreach (int i in clientOutputs)
        {
            var info = full.Outputs[i];
            if (info.Shape.Length == 0 || (info.Shape[0] != -1 && info.Shape[0] != 1) || info.ElementType == TensorElementType.String)
            {
                throw new ModelLoadException(model, $"{at}: output '{info.Name}' {ModelServer.Describe(info)} needs a batch dimension (dimension 0) and a fixed-size type.");
            }
        }

        if (clientInputs.Length == 0)
        {
            throw new ModelLoadException(model, $"{at}: every input is a state or a constant; clients would have nothing to send.");
        }

        // Clients send one chunk per request: dimension 0 is 1.
        var client = new ModelSignature(
            clientInputs.Select(i => full.Inputs[i] with { Shape = WithBatchOne(full.Inputs[i].Shape) }).ToArray(),
            clientOutputs.Select(i => full.Outputs[i] with { Shape = WithBatchOne(full.Outputs[i].Shape) }).ToArray());
        return new SequenceLayout(full, client)
        {
            ClientInputs = clientInputs,
            ClientOutputs = clientOutputs,
            States = states.ToArray(),
            Constants = constants.ToArray(),
            Controls = controls.ToArray(),
            MaxBatchSize = maxBatch,
        };
    }

    /// <summary>
    /// The model's inputs for a warm-up run of <paramref name="clientInputs"/> (client order, dimension 0 the rows) as one-request
    /// sequences: each state zero (its initial state), the constants, and the controls START, READY and END true, CORRID 0.
    /// </summary>
    public TensorValue[] WarmupInputs(TensorValue[] clientInputs)
    {
        int rows = clientInputs.Length > 0 && clientInputs[0].Shape.Length > 0 ? (int)clientInputs[0].Shape[0] : 1;
        var inputs = new TensorValue[Full.Inputs.Count];
        for (int k = 0; k < ClientInputs.Length; k++)
        {
            inputs[ClientInputs[k]] = clientInputs[k];
        }

        foreach (var state in States)
        {
            var buffer = TensorElementTypes.Allocate(state.ElementType, state.Outer * state.Inner * rows);
            if (state.Initial is { } initial)
            {
                // Each row starts from the initial state: its [outer][inner] blocks placed at the row along the batch axis.
                int innerBytes = state.Inner * TensorElementTypes.SizeOf(state.ElementType);
                var target = buffer.AsBytes();
                for (int row = 0; row < rows; row++)
                {
                    for (int o = 0; o < state.Outer; o++)
                    {
                        initial.AsSpan(o * innerBytes, innerBytes).CopyTo(target.Slice(((o * rows) + row) * innerBytes, innerBytes));
                    }
                }
            }

            inputs[state.Input] = new TensorValue(state.ShapeFor(rows), buffer);
        }

        foreach (var (index, value) in Constants)
        {
            inputs[index] = value;
        }

        foreach (var control in Controls)
        {
            var buffer = TensorElementTypes.Allocate(control.Control.ElementType, rows);
            double value = control.Control.Kind == SequenceControlKind.CorrelationId ? 0 : control.Control.TrueValue;
            for (int row = 0; row < rows; row++)
            {
                switch (buffer.ElementType)
                {
                    case TensorElementType.Int32: buffer.AsSpan<int>()[row] = (int)value; break;
                    case TensorElementType.Float: buffer.AsSpan<float>()[row] = (float)value; break;
                    case TensorElementType.Bool: buffer.AsSpan<bool>()[row] = value != 0; break;
                    default: break; // a correlation id: zeros already
                }
            }

            inputs[control.Input] = new TensorValue(control.ShapeFor(rows), buffer);
        }

        return inputs;
    }

    private static long[] WithBatchOne(long[] shape)
    {
        var copy = (long[])shape.Clone();
        copy[0] = 1;
        return copy;
    }

    private static void Fill(string model, SequenceConstantInput constant, TensorInfo info, TensorBuffer buffer)
    {
        double v = constant.Value;
        switch (info.ElementType)
        {
            case TensorElementType.Float: buffer.AsSpan<float>().Fill((float)v); break;
            case TensorElementType.Double: buffer.AsSpan<double>().Fill(v); break;
            case TensorElementType.Int64: buffer.AsSpan<long>().Fill((long)v); break;
            case TensorElementType.Int32: buffer.AsSpan<int>().Fill((int)v); break;
            case TensorElementType.Int16: buffer.AsSpan<short>().Fill((short)v); break;
            case TensorElementType.Int8: buffer.AsSpan<sbyte>().Fill((sbyte)v); break;
            case TensorElementType.UInt8: buffer.AsSpan<byte>().Fill((byte)v); break;
            case TensorElementType.UInt16: buffer.AsSpan<ushort>().Fill((ushort)v); break;
            case TensorElementType.UInt32: buffer.AsSpan<uint>().Fill((uint)v); break;
            case TensorElementType.UInt64: buffer.AsSpan<ulong>().Fill((ulong)v); break;
            case TensorElementType.Bool: buffer.AsSpan<bool>().Fill(v != 0); break;
            default:
                throw new ModelLoadException(model, $"config.json: sequence_batching.constant_input '{constant.Name}' is {ModelServer.Describe(info)}; constants are numeric or boolean.");
        }
    }

    private static string TritonTypeName(TensorElementType type) => "TYPE_" + Protocol.InferenceDataTypes.FromElementType(type) switch
    {
        "BOOL" => "BOOL",
        "BYTES" => "STRING",
        var name => name,
    };
}
