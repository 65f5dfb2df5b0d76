namespace ModelKit.Audio.Vad;

/// <summary>
/// Silero VAD v5 (<c>silero_vad_v5.onnx</c> from the npm package <c>@ricky0123/vad-web@0.0.31</c>; see <see cref="SileroVadModels"/>):
/// one 32 ms frame at 16 kHz, preceded by the previous frame's last 64 samples as context (as the reference's
/// <c>OnnxWrapper</c> feeds it), plus the recurrent state, in; the speech probability and the next state out.
/// </summary>
[ModelContract(SileroVadModels.ModelName)]
public partial interface ISileroVadModel
{
    /// <summary>Runs one frame: writes the speech probability and the next state into the caller's memory.</summary>
    void Predict(
        [Tensor("input", 1, SileroVad.InputSamples)] ReadOnlyMemory<float> input,
        [Tensor("state", 2, 1, 128)] ReadOnlyMemory<float> state,
        [Tensor("sr")] long sampleRate,
        [Output, Tensor("output", 1, 1)] Memory<float> probability,
        [Output, Tensor("stateN", 2, 1, 128)] Memory<float> nextState);
}
