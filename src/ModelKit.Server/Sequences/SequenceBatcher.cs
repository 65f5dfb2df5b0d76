using System.Diagnostics;
using System.Globalization;
using ModelKit.Batching;
using ModelKit.Binding;

namespace ModelKit.Server;

/// <summary>
/// Triton's sequence batcher for one served model version: keeps each open sequence's state tensors, queues each sequence's
/// chunks in arrival order, stacks the next chunk of up to <see cref="SequenceLayout.MaxBatchSize"/> sequences into one run (inputs
/// along dimension 0, each state along its batch axis), hands every chunk its own slice of the outputs, and keeps the next state.
/// A run that fails leaves the states as they were (each chunk of a failed batch is retried alone, so one bad chunk fails only
/// its own request). Sequences idle longer than <see cref="SequenceBatchingConfig.MaxSequenceIdle"/> are ended; at most
/// <see cref="SequenceBatchingConfig.MaxSequences"/> are open at once. One run at a time, on the batcher's own thread.
/// </summary>
internal sealed class SequenceBatcher : IDisposable
{
    private const int MaxRememberedClosed = 4096;

    private readonly string _model;
    private readonly SequenceLayout _layout;
    private readonly SequenceBatchingConfig _config;
    private readonly OperationRunner _runner;
    private readonly ServerMetrics? _metrics;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly Lock _gate = new();
    private readonly Dictionary<SequenceId, Slot> _live = [];
    private readonly Queue<Slot> _ready = new();
    private readonly Dictionary<SequenceId, string> _closed = [];
    private readonly Queue<SequenceId> _closedOrder = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _loop;
    private readonly Timer _reaper;
    private readonly long _maxDelayTicks;
    private readonly TensorBuffer[] _scratch;
    private readonly TensorBuffer[] _outputScratch;
    private readonly long[]?[] _inputShapes;
    private readonly long[]?[] _rowShapes;
    private readonly long[]?[] _stackedOutputShapes;
    private readonly int[] _outputRowElements;
    private readonly int[] _rowOf;
    private readonly TensorValue[]?[] _results;
    private readonly List<Chunk> _groupFinished = [];
    private readonly bool _direct;
    private readonly bool[] _rowsBound;
    private readonly Queue<Slot> _backlog = new();
    private readonly int _runTarget;
    private readonly bool _numericIdsOnly;
    private volatile bool _disposed;
    private Func<Exception>? _stopped;

    public SequenceBatcher(string model, SequenceLayout layout, SequenceBatchingConfig config, OperationRunner runner, ServerMetrics? metrics)
    {
        _model = model;
        _layout = layout;
        _config = config;
        _runner = runner;
        _metrics = metrics;
        _modelTag = new("model", model);
        _maxDelayTicks = (long)(config.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
        _scratch = new TensorBuffer[layout.Full.Inputs.Count];
        _outputScratch = new TensorBuffer[layout.Full.Outputs.Count];
        _inputShapes = new long[]?[layout.Full.Inputs.Count];
        _rowShapes = new long[]?[layout.ClientOutputs.Length];
        _stackedOutputShapes = new long[]?[layout.ClientOutputs.Length];
        _rowOf = new int[layout.MaxBatchSize];
        _results = new TensorValue[]?[layout.MaxBatchSize];
        // Client outputs whose shape after dimension 0 is fixed get the batcher's buffer as their destination (no array per run).
        _outputRowElements = layout.ClientOutputs.Select(i => RowElements(layout.Full.Outputs[i].Shape)).ToArray();
        _direct = config.Strategy == SequenceStrategy.Direct;
        _rowsBound = new bool[layout.MaxBatchSize];
        // Direct: run once enough slots are ready (minimum_slot_utilization; 0: one). Oldest: wait for a full (or preferred) batch.
        _runTarget = _direct
            ? Math.Max(1, (int)Math.Ceiling(config.MinimumSlotUtilization * layout.MaxBatchSize))
            : layout.MaxBatchSize;
        if (_direct && config.MinimumSlotUtilization == 0)
        {
            _maxDelayTicks = 0; // Triton: the delay is ignored unless minimum_slot_utilization is set
        }

        _numericIdsOnly = layout.Controls.Any(static c => c.Control.Kind == SequenceControlKind.CorrelationId);
        _loop = new Thread(Loop) { IsBackground = true, Name = $"ModelKit sequence batcher {model}" };
        _loop.Start();
        var period = TimeSpan.FromTicks(Math.Clamp(config.MaxSequenceIdle.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _reaper = new Timer(static s => ((SequenceBatcher)s!).ExpireIdle(), this, period, period);
    }

    /// <summary>Sequences open now.</summary>
    public int LiveCount
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>
    /// Runs one chunk of a sequence (client inputs in <see cref="SequenceLayout.Client"/> order), or only ends the sequence when
    /// <paramref name="inputs"/> is null; returns the client outputs in <see cref="SequenceLayout.Client"/> order.
    /// </summary>
    public async Task<TensorValue[]> RunAsync(SequenceRequest request, TensorValue[]? inputs, CancellationToken cancellationToken)
    {
        var pending = Submit(request, inputs, cancellationToken);
        try
        {
            return await pending.Task.ConfigureAwait(false);
        }
        finally
        {
            pending.Dispose();
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> without its own task: queues the chunk and returns it; await <see cref="PendingChunk.Task"/>, then
    /// dispose it (the caller's async method is the only one per request).
    /// </summary>
    public PendingChunk Submit(SequenceRequest request, TensorValue[]? inputs, CancellationToken cancellationToken)
    {
        if (_numericIdsOnly && request.Id.Text is not null)
        {
            throw new InferenceRequestException("invalid_sequence_id",
                $"Model '{_model}' takes its sequence's correlation id as a numeric input (control_input CONTROL_SEQUENCE_CORRID); sequence_id must be an unsigned integer, not the string {request.Id}.");
        }

        var chunk = new Chunk(inputs, request.Start, request.End);
        lock (_gate)
        {
            if (_stopped is { } stopped)
            {
                throw stopped();
            }

            if (!_live.TryGetValue(request.Id, out var slot))
            {
                if (!request.Start)
                {
                    throw Unknown(request.Id);
                }

                if (_live.Count >= _config.MaxSequences)
                {
                    throw new SequenceLimitException(
                        $"Model '{_model}' has {_live.Count} sequences open, its limit ({_config.MaxSequencesField} = {_config.MaxSequences}); sequence {request.Id} was not started. Retry later or on another replica; end sequences with sequence_end so their slots free at once.");
                }

                slot = new Slot(request.Id, _layout.States);
                _live.Add(request.Id, slot);
                _closed.Remove(request.Id);
                _metrics?.SequenceOpened(_model);
            }
            else if (slot.Pending.Count >= _config.MaxPendingPerSequence)
            {
                throw new ServerBusyException(
                    $"Sequence {request.Id} of model '{_model}' already has {slot.Pending.Count} requests waiting (sequence_batching.max_pending_per_sequence); send a sequence's chunks one after another.");
            }

            slot.Pending.Enqueue(chunk);
            slot.LastActive = Stopwatch.GetTimestamp();
            Schedule(slot);
        }

        if (cancellationToken.CanBeCanceled)
        {
            chunk.Registration = cancellationToken.UnsafeRegister(static (s, token) => ((Chunk)s!).TryCancel(token), chunk);
        }

        return new PendingChunk(chunk);
    }

    /// <summary>A queued chunk: its outputs (client order) once it ran; dispose after awaiting to drop the cancellation registration.</summary>
    public readonly struct PendingChunk : IDisposable
    {
        private readonly Chunk _chunk;

        internal PendingChunk(Chunk chunk) => _chunk = chunk;

        public Task<TensorValue[]> Task => _chunk.Task;

        public void Dispose() => _chunk.Registration.Dispose();
    }

    /// <summary>Ends every open sequence (drain, unload): waiting chunks fail with <paramref name="error"/>; later requests get it too.</summary>
    public int EndAll(string reason, Func<Exception> error)
    {
        List<Chunk> failed = [];
        int ended;
        lock (_gate)
        {
            _stopped ??= error;
            ended = _live.Count;
            foreach (var slot in _live.Values.ToList())
            {
                Close(slot, reason, failed, "shutdown");
            }

            _ready.Clear();
            _backlog.Clear();
        }

        foreach (var chunk in failed)
        {
            chunk.TrySetException(error());
        }

        return ended;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        EndAll("was ended because the model was unloaded or reloaded", () => new ModelUnavailableException(
            $"Model '{_model}' was unloaded or reloaded; its open sequences ended. Start a new sequence (sequence_start: true)."));
        _disposed = true;
        _reaper.Dispose();
        _signal.Release();
        _loop.Join(TimeSpan.FromSeconds(5));
        _signal.Dispose();
    }

    private void Schedule(Slot slot)
    {
        if (!slot.Scheduled && slot.Pending.Count > 0)
        {
            slot.Scheduled = true;
            _ready.Enqueue(slot);
            _signal.Release();
        }
    }

    private InferenceRequestException Unknown(SequenceId id)
    {
        string message = _closed.TryGetValue(id, out string? reason)
            ? $"Sequence {id} of model '{_model}' is not open: it {reason}. Start a new sequence with sequence_start: true."
            : $"Sequence {id} of model '{_model}' is not open on this server: it was never started (sequence_start: true), or it ended, expired, or was lost when the server or the model restarted (sequence state lives in the server's memory). Start a new sequence with sequence_start: true.";
        return new InferenceRequestException("unknown_sequence", message);
    }

    /// <summary>Removes a slot (under the gate); its waiting chunks are added to <paramref name="failed"/>.</summary>
    private void Close(Slot slot, string reason, List<Chunk> failed, string outcome)
    {
        if (!_live.Remove(slot.Id))
        {
            return;
        }

        slot.Closed = true;
        if (slot.Row >= 0)
        {
            _rowsBound[slot.Row] = false;
            slot.Row = -1;
            while (_backlog.TryDequeue(out var waiting))
            {
                if (!waiting.Closed)
                {
                    // The oldest sequence waiting for a slot takes this one on its next run.
                    _ready.Enqueue(waiting);
                    _signal.Release();
                    break;
                }
            }
        }

        while (slot.Pending.TryDequeue(out var chunk))
        {
            failed.Add(chunk);
        }

        if (_closed.TryAdd(slot.Id, reason))
        {
            _closedOrder.Enqueue(slot.Id);
            while (_closedOrder.Count > MaxRememberedClosed)
            {
                _closed.Remove(_closedOrder.Dequeue());
            }
        }
        else
        {
            _closed[slot.Id] = reason;
        }

        _metrics?.SequenceClosed(_model, outcome);
    }

    private void ExpireIdle()
    {
        if (_disposed)
        {
            return;
        }

        long now = Stopwatch.GetTimestamp();
        long idleTicks = (long)(_config.MaxSequenceIdle.TotalSeconds * Stopwatch.Frequency);
        List<Chunk> failed = [];
        lock (_gate)
        {
            if (_live.Count == 0)
            {
                return;
            }

            string reason = $"expired after {_config.MaxSequenceIdle.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s without requests (sequence_batching.max_sequence_idle_microseconds)";
            foreach (var slot in _live.Values.ToList())
            {
                if (!slot.Scheduled && slot.Pending.Count == 0 && now - slot.LastActive > idleTicks)
                {
                    Close(slot, reason, failed, "expired");
                }
            }
        }
    }

    private void Loop()
    {
        var batch = new List<(Slot Slot, Chunk Chunk)>(_layout.MaxBatchSize);
        var finished = new List<Chunk>();
        while (true)
        {
            _signal.Wait();
            if (_disposed)
            {
                return;
            }

            long deadline = Stopwatch.GetTimestamp() + _maxDelayTicks;
            Take(batch, finished);
            while (batch.Count > 0 && batch.Count < _runTarget && !Preferred(batch.Count) && !_disposed)
            {
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    break;
                }

                int millis = (int)Math.Max(1, remaining * 1000 / Stopwatch.Frequency);
                if (!_signal.Wait(millis))
                {
                    break;
                }

                Take(batch, finished);
            }

            foreach (var chunk in finished)
            {
                chunk.Finish();
            }

            finished.Clear();
            if (batch.Count > 0)
            {
                try
                {
                    RunBatch(batch);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // RunBatch answers every chunk itself; this only keeps the loop alive whatever happens.
                    foreach (var (_, chunk) in batch)
                    {
                        chunk.TrySetException(ex);
                    }
                }

                batch.Clear();
            }
        }
    }

    private bool Preferred(int count)
    {
        foreach (int size in _config.PreferredBatchSizes)
        {
            if (size == count)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Direct strategy: binds <paramref name="slot"/> to a free batch row; false when every row is bound (the sequence waits in the backlog).</summary>
    private bool TryBindRow(Slot slot)
    {
        if (!_direct || slot.Row >= 0 || !slot.Pending.TryPeek(out var head) || head.Inputs is null)
        {
            return true; // oldest, already bound, or nothing that runs (an end-only request needs no row)
        }

        int free = Array.IndexOf(_rowsBound, false);
        if (free < 0)
        {
            _backlog.Enqueue(slot);
            return false;
        }

        _rowsBound[free] = true;
        slot.Row = free;
        return true;
    }

    /// <summary>Takes the next chunk of each ready sequence (one per sequence per run) into <paramref name="batch"/>.</summary>
    private void Take(List<(Slot Slot, Chunk Chunk)> batch, List<Chunk> finished)
    {
        lock (_gate)
        {
            while (batch.Count < _layout.MaxBatchSize && _ready.TryDequeue(out var slot))
            {
                if (!slot.Closed && !TryBindRow(slot))
                {
                    continue; // stays scheduled, in the backlog
                }

                Chunk? taken = null;
                while (!slot.Closed && slot.Pending.TryPeek(out var chunk))
                {
                    if (chunk.Inputs is null || !chunk.TryTake())
                    {
                        // An end-only request, or a chunk canceled while it waited: nothing runs; an end still ends.
                        slot.Pending.Dequeue();
                        if (chunk.End)
                        {
                            Close(slot, "ended (sequence_end)", finished, "ended");
                            if (chunk.Inputs is null)
                            {
                                chunk.Outputs = [];
                            }
                        }

                        finished.Add(chunk);
                        continue;
                    }

                    slot.Pending.Dequeue();
                    taken = chunk;
                    break;
                }

                if (taken is null)
                {
                    slot.Scheduled = false;
                    continue;
                }

                taken.Row = slot.Row;
                batch.Add((slot, taken));
            }
        }
    }

    private void RunBatch(List<(Slot Slot, Chunk Chunk)> batch)
    {
        // Chunks stack when their inputs have the same shapes (one shape per input for the whole run); usually they all do.
        bool same = true;
        for (int i = 1; i < batch.Count && same; i++)
        {
            same = SameShapes(batch[0].Chunk.Inputs!, batch[i].Chunk.Inputs!);
        }

        if (same)
        {
            RunGroup(batch);
            return;
        }

        var groups = new List<List<(Slot, Chunk)>>();
        foreach (var item in batch)
        {
            var group = groups.Find(g => SameShapes(g[0].Item2.Inputs!, item.Chunk.Inputs!));
            if (group is null)
            {
                groups.Add([item]);
            }
            else
            {
                group.Add(item);
            }
        }

        foreach (var group in groups)
        {
            RunGroup(group);
        }
    }

    private void RunGroup(List<(Slot Slot, Chunk Chunk)> group)
    {
        Exception? error = null;
        try
        {
            Execute(group);
        }
        catch (Exception) when (group.Count > 1)
        {
            // Isolate the failure: each chunk gets its own result or its own error.
            foreach (var item in group)
            {
                RunGroup([item]);
            }

            return;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        var finished = _groupFinished;
        lock (_gate)
        {
            long now = Stopwatch.GetTimestamp();
            foreach (var (slot, chunk) in group)
            {
                slot.LastActive = now;
                finished.Add(chunk);
                if (chunk.End)
                {
                    slot.Scheduled = false;
                    Close(slot, "ended (sequence_end)", finished, "ended");
                }
                else if (!slot.Closed)
                {
                    slot.Scheduled = false;
                    Schedule(slot);
                }
            }
        }

        foreach (var chunk in finished)
        {
            if (error is not null && Contains(group, chunk))
            {
                chunk.TrySetException(error);
            }
            else
            {
                chunk.Finish();
            }
        }

        finished.Clear();
    }

    private static bool Contains(List<(Slot Slot, Chunk Chunk)> group, Chunk chunk)
    {
        foreach (var item in group)
        {
            if (ReferenceEquals(item.Chunk, chunk))
            {
                return true;
            }
        }

        return false;
    }

    private void Execute(List<(Slot Slot, Chunk Chunk)> group)
    {
        int count = group.Count;

        // Oldest: chunk b is row b. Direct: each chunk sits at its sequence's bound row; rows up to the highest are run, and rows
        // with no chunk are zeros with READY false (their outputs are dropped, their state untouched).
        int rows = count;
        var rowOf = _rowOf;
        for (int b = 0; b < count; b++)
        {
            rowOf[b] = _direct ? group[b].Chunk.Row : b;
            rows = Math.Max(rows, rowOf[b] + 1);
        }

        bool filler = rows > count;
        var call = _runner.Rent();
        try
        {
            var first = group[0].Chunk.Inputs!;
            for (int k = 0; k < _layout.ClientInputs.Length; k++)
            {
                int index = _layout.ClientInputs[k];
                var shape = StackedShape(ref _inputShapes[index], first[k].Shape, rows);
                int per = first[k].Buffer.Length;
                var buffer = Scratch(index, first[k].ElementType, per * rows);
                int bytes = per * TensorElementTypes.SizeOf(first[k].ElementType);
                var target = buffer.AsBytes();
                if (filler)
                {
                    target.Clear();
                }

                for (int b = 0; b < count; b++)
                {
                    group[b].Chunk.Inputs![k].Buffer.AsBytes().CopyTo(target.Slice(rowOf[b] * bytes, bytes));
                }

                call.SetInput(index, new TensorValue(shape, buffer));
            }

            for (int s = 0; s < _layout.States.Length; s++)
            {
                var state = _layout.States[s];
                var buffer = Scratch(state.Input, state.ElementType, state.Outer * state.Inner * rows);
                var target = buffer.AsBytes();
                if (filler)
                {
                    target.Clear();
                }

                int innerBytes = state.Inner * TensorElementTypes.SizeOf(state.ElementType);
                for (int b = 0; b < count; b++)
                {
                    var (slot, chunk) = group[b];
                    if (chunk.Start)
                    {
                        state.Reset(slot.States[s]); // a start (or restart) begins from the initial state (zeros or data_file)
                    }

                    for (int o = 0; o < state.Outer; o++)
                    {
                        slot.States[s].AsSpan(o * innerBytes, innerBytes).CopyTo(target.Slice(((o * rows) + rowOf[b]) * innerBytes, innerBytes));
                    }
                }

                var stateShape = StateShape(ref _inputShapes[state.Input], state, rows);
                call.SetInput(state.Input, new TensorValue(stateShape, buffer));
                call.SetOutput(state.Output, OutputScratch(state.Output, state.ElementType, state.Outer * state.Inner * rows), stateShape);
            }

            // Outputs land in the batcher's buffers, bound once with their known shapes (nothing allocated per run).
            for (int k = 0; k < _layout.ClientOutputs.Length; k++)
            {
                if (_outputRowElements[k] >= 0)
                {
                    int index = _layout.ClientOutputs[k];
                    var declared = _layout.Full.Outputs[index].Shape;
                    call.SetOutput(index, OutputScratch(index, _layout.Full.Outputs[index].ElementType, _outputRowElements[k] * rows),
                        StackedShape(ref _stackedOutputShapes[k], declared, rows));
                }
            }

            foreach (var control in _layout.Controls)
            {
                var buffer = Scratch(control.Input, control.Control.ElementType, rows);
                FillControl(control.Control, buffer, group, rowOf);
                call.SetInput(control.Input, new TensorValue(ControlShape(ref _inputShapes[control.Input], control, rows), buffer));
            }

            foreach (var (index, value) in _layout.Constants)
            {
                call.SetInput(index, value);
            }

            _runner.Run(call);
            BatchingMetrics.BatchSize.Record(count, _modelTag);

            // Read everything before keeping any state: a malformed answer leaves every sequence as it was.
            var results = _results;
            for (int b = 0; b < count; b++)
            {
                results[b] = new TensorValue[_layout.ClientOutputs.Length];
            }

            for (int k = 0; k < _layout.ClientOutputs.Length; k++)
            {
                var value = call.Outputs[_layout.ClientOutputs[k]];
                if (value.Shape.Length == 0 || value.Shape[0] != rows || value.Buffer.Length % rows != 0)
                {
                    throw new ModelExecutionException(_model, $"output '{_layout.Full.Outputs[_layout.ClientOutputs[k]].Name}' has shape {TensorShape.Format(value.Shape)} for a run of {rows} rows; expected dimension 0 = {rows}.");
                }

                int per = value.Buffer.Length / rows;
                var shape = StackedShape(ref _rowShapes[k], value.Shape, 1); // shared by the answers: shapes are never written
                for (int b = 0; b < count; b++)
                {
                    var own = TensorElementTypes.Allocate(value.ElementType, per);
                    value.Buffer.Slice(rowOf[b] * per, per).CopyTo(own);
                    results[b]![k] = new TensorValue(shape, own);
                }
            }

            for (int s = 0; s < _layout.States.Length; s++)
            {
                var state = _layout.States[s];
                var value = call.Outputs[state.Output];
                if (value.Buffer.Length != state.Outer * state.Inner * rows || value.ElementType != state.ElementType)
                {
                    throw new ModelExecutionException(_model, $"state output '{_layout.Full.Outputs[state.Output].Name}' has shape {TensorShape.Format(value.Shape)}; expected {TensorShape.Format(state.ShapeFor(rows))}.");
                }
            }

            for (int s = 0; s < _layout.States.Length; s++)
            {
                var state = _layout.States[s];
                var source = call.Outputs[state.Output].Buffer.AsBytes();
                int innerBytes = state.Inner * TensorElementTypes.SizeOf(state.ElementType);
                for (int b = 0; b < count; b++)
                {
                    var slot = group[b].Slot;
                    for (int o = 0; o < state.Outer; o++)
                    {
                        source.Slice(((o * rows) + rowOf[b]) * innerBytes, innerBytes).CopyTo(slot.States[s].AsSpan(o * innerBytes, innerBytes));
                    }
                }
            }

            for (int b = 0; b < count; b++)
            {
                group[b].Chunk.Outputs = results[b];
            }
        }
        finally
        {
            Array.Clear(_results);
            _runner.Return(call);
        }
    }

    /// <summary>Fills one control tensor: every row false (READY false: an idle direct slot), then each chunk's row with its signal.</summary>
    private static void FillControl(SequenceControlInput control, TensorBuffer buffer, List<(Slot Slot, Chunk Chunk)> group, int[] rowOf)
    {
        for (int row = 0; row < buffer.Length; row++)
        {
            SetValue(buffer, row, control.Kind == SequenceControlKind.CorrelationId ? 0 : control.FalseValue);
        }

        for (int b = 0; b < group.Count; b++)
        {
            var (slot, chunk) = group[b];
            switch (control.Kind)
            {
                case SequenceControlKind.CorrelationId:
                    long id = slot.Id.Number;
                    switch (control.ElementType)
                    {
                        case TensorElementType.UInt64: buffer.AsSpan<ulong>()[rowOf[b]] = (ulong)id; break;
                        case TensorElementType.Int64: buffer.AsSpan<long>()[rowOf[b]] = id; break;
                        case TensorElementType.UInt32: buffer.AsSpan<uint>()[rowOf[b]] = unchecked((uint)id); break; // Triton: the low-order 32 bits
                        default: buffer.AsSpan<int>()[rowOf[b]] = unchecked((int)id); break;
                    }

                    break;
                default:
                    bool flag = control.Kind switch
                    {
                        SequenceControlKind.Start => chunk.Start,
                        SequenceControlKind.End => chunk.End,
                        _ => true,
                    };
                    SetValue(buffer, rowOf[b], flag ? control.TrueValue : control.FalseValue);
                    break;
            }
        }
    }

    private static void SetValue(TensorBuffer buffer, int row, double value)
    {
        switch (buffer.ElementType)
        {
            case TensorElementType.Int32: buffer.AsSpan<int>()[row] = (int)value; break;
            case TensorElementType.Float: buffer.AsSpan<float>()[row] = (float)value; break;
            case TensorElementType.Bool: buffer.AsSpan<bool>()[row] = value != 0; break;
            case TensorElementType.UInt64: buffer.AsSpan<ulong>()[row] = (ulong)value; break;
            case TensorElementType.Int64: buffer.AsSpan<long>()[row] = (long)value; break;
            case TensorElementType.UInt32: buffer.AsSpan<uint>()[row] = (uint)value; break;
            default: throw new InvalidOperationException($"A control tensor of {buffer.ElementType}.");
        }
    }

    private TensorBuffer Scratch(int index, TensorElementType type, int length) => Reuse(_scratch, index, type, length);

    private TensorBuffer OutputScratch(int index, TensorElementType type, int length) => Reuse(_outputScratch, index, type, length);

    /// <summary>The first <paramref name="length"/> elements of the buffer kept at <paramref name="index"/>, grown (doubling) or retyped when it does not fit.</summary>
    private static TensorBuffer Reuse(TensorBuffer[] kept, int index, TensorElementType type, int length)
    {
        var buffer = kept[index];
        if (buffer.IsEmpty || buffer.Length < length || buffer.ElementType != type)
        {
            buffer = TensorElementTypes.Allocate(type, Math.Max(length, buffer.IsEmpty ? 0 : buffer.Length * 2));
            kept[index] = buffer;
        }

        return buffer.Slice(0, length);
    }

    /// <summary><paramref name="shape"/> with dimension 0 = <paramref name="rows"/>: the cached array when it matches (shape arrays handed on are never written), else a new one cached.</summary>
    private static long[] StackedShape(ref long[]? cached, long[] shape, int rows)
    {
        if (cached is { } known && known.Length == shape.Length && known[0] == rows && known.AsSpan(1).SequenceEqual(shape.AsSpan(1)))
        {
            return known;
        }

        var result = (long[])shape.Clone();
        result[0] = rows;
        cached = result;
        return result;
    }

    private static long[] StateShape(ref long[]? cached, SequenceLayout.StateSlot state, int rows)
    {
        if (cached is { } known && known[state.BatchAxis] == rows)
        {
            return known;
        }

        cached = state.ShapeFor(rows);
        return cached;
    }

    private static long[] ControlShape(ref long[]? cached, SequenceLayout.ControlSlot control, int rows)
    {
        if (cached is { } known && known[0] == rows)
        {
            return known;
        }

        cached = control.ShapeFor(rows);
        return cached;
    }

    /// <summary>Elements per batch row of an output of <paramref name="shape"/> (dimension 0 the batch), or -1 when a later dimension is dynamic.</summary>
    private static int RowElements(long[] shape)
    {
        long count = 1;
        for (int d = 1; d < shape.Length; d++)
        {
            if (shape[d] < 0)
            {
                return -1;
            }

            count *= shape[d];
        }

        return shape.Length == 0 || count > int.MaxValue / 1024 ? -1 : (int)count;
    }

    private static bool SameShapes(TensorValue[] left, TensorValue[] right)
    {
        for (int i = 0; i < left.Length; i++)
        {
            if (!left[i].Shape.AsSpan().SequenceEqual(right[i].Shape))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One open sequence: its state bytes and its waiting chunks.</summary>
    private sealed class Slot(SequenceId id, SequenceLayout.StateSlot[] states)
    {
        public SequenceId Id { get; } = id;

        public byte[][] States { get; } = states.Select(static s => new byte[s.ByteLength]).ToArray();

        public Queue<Chunk> Pending { get; } = new();

        /// <summary>In the ready queue or in a run (under the gate).</summary>
        public bool Scheduled { get; set; }

        public bool Closed { get; set; }

        /// <summary>Direct strategy: the batch row bound to this sequence, or -1 (under the gate).</summary>
        public int Row { get; set; } = -1;

        public long LastActive { get; set; }
    }

    /// <summary>One request's chunk: waiting → taken (will run) or canceled (will not).</summary>
    internal sealed class Chunk(TensorValue[]? inputs, bool start, bool end) : TaskCompletionSource<TensorValue[]>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private int _state; // 0 waiting, 1 taken, 2 canceled

        public TensorValue[]? Inputs { get; } = inputs;

        public bool Start { get; } = start;

        public bool End { get; } = end;

        public TensorValue[]? Outputs { get; set; }

        /// <summary>Direct strategy: the batch row it runs in (its sequence's, taken under the gate).</summary>
        public int Row { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        /// <summary>Cancels a chunk that has not been taken; a taken chunk runs to its end (its request buffers stay alive until then).</summary>
        public void TryCancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                TrySetCanceled(token);
            }
        }

        /// <summary>Completes with the outputs, or as ended when the sequence closed before it ran.</summary>
        public void Finish()
        {
            if (Outputs is { } outputs)
            {
                TrySetResult(outputs);
            }
            else
            {
                TrySetException(new InferenceRequestException("unknown_sequence", "The sequence ended before this request ran (a request with sequence_end came first)."));
            }
        }
    }
}
