using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelKit.Benchmarks;

/// <summary>
/// Hand-written ONNX Runtime code to compare against: the optimal form (I/O binding over pre-allocated pinned buffers,
/// reused RunOptions), Run with OrtValue arrays, and the typical tutorial form (NamedOnnxValue + DenseTensor).
/// </summary>
public sealed class OrtBaselines : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int[][] _inputDims;

    public OrtBaselines(string modelPath, float[][] inputs, long[][] inputShapes, float[][] outputs, long[][] outputShapes)
    {
        _session = new InferenceSession(modelPath);
        _inputNames = _session.InputNames.ToArray();
        _outputNames = _session.OutputNames.ToArray();
        _inputDims = inputShapes.Select(s => s.Select(d => (int)d).ToArray()).ToArray();
        Inputs = inputs;
        _inputs = inputs.Select((data, i) => OrtValue.CreateTensorValueFromMemory(data, inputShapes[i])).ToArray();
        _outputs = outputs.Select((data, i) => OrtValue.CreateTensorValueFromMemory(data, outputShapes[i])).ToArray();
        _binding = _session.CreateIoBinding();
        for (int i = 0; i < _inputs.Length; i++)
        {
            _binding.BindInput(_inputNames[i], _inputs[i]);
        }

        for (int o = 0; o < _outputs.Length; o++)
        {
            _binding.BindOutput(_outputNames[o], _outputs[o]);
        }
    }

    /// <summary>The pre-allocated input buffers (pinned by ONNX Runtime's OrtValues for the benchmark's lifetime).</summary>
    public float[][] Inputs { get; }

    /// <summary>Optimal: one native call, nothing allocated.</summary>
    public void RunWithBinding() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>Run with OrtValue arrays and pre-allocated outputs.</summary>
    public void RunWithOrtValues() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    /// <summary>The tutorial form: DenseTensor + NamedOnnxValue, results materialised and disposed.</summary>
    public float RunTypical()
    {
        var inputs = new List<NamedOnnxValue>(_inputNames.Length);
        for (int i = 0; i < _inputNames.Length; i++)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor(_inputNames[i], new DenseTensor<float>(Inputs[i], _inputDims[i])));
        }

        using var results = _session.Run(inputs);
        return results[0].AsTensor<float>().ToArray()[0];
    }

    public void Dispose()
    {
        _binding.Dispose();
        foreach (var value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }
}
