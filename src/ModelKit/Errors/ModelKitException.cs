namespace ModelKit;

/// <summary>The base of every error ModelKit raises.</summary>
public class ModelKitException : Exception
{
    /// <summary>Creates the exception with a message that names what failed.</summary>
    public ModelKitException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ModelKitException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// A tensor a caller passed does not fit the contract: wrong element count, shape or type, or missing. Raised before any native code runs.
/// </summary>
public sealed class TensorMismatchException : ModelKitException
{
    /// <summary>Creates the exception; the message reads <c>contract: member (tensor 'name') expected … but got ….</c>, followed by <paramref name="detail"/> when given.</summary>
    public TensorMismatchException(string contract, string member, string tensor, string expected, string actual, string? detail = null)
        : base($"{contract}: {member} (tensor '{tensor}') expected {expected} but got {actual}.{(detail is null ? string.Empty : " " + detail)}")
    {
        Contract = contract;
        Member = member;
        Tensor = tensor;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The contract operation, e.g. <c>IDigitClassifier.Predict</c>.</summary>
    public string Contract { get; }

    /// <summary>The contract member, e.g. <c>DigitImage.Pixels</c>.</summary>
    public string Member { get; }

    /// <summary>The tensor's name in the model.</summary>
    public string Tensor { get; }

    /// <summary>What the contract or model expects.</summary>
    public string Expected { get; }

    /// <summary>What the caller supplied.</summary>
    public string Actual { get; }
}

/// <summary>A contract does not agree with the model it is bound to. The message carries the model's actual signature.</summary>
public sealed class ModelContractMismatchException(string contract, string model, IReadOnlyList<string> problems, ModelSignature signature)
    : ModelKitException($"Contract {contract} does not match model '{model}': {string.Join(" ", problems)} The model's signature is {signature}.")
{
    /// <summary>The contract, e.g. <c>IDigitClassifier</c>.</summary>
    public string Contract { get; } = contract;

    /// <summary>The model the contract was bound to.</summary>
    public string Model { get; } = model;

    /// <summary>Each disagreement found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>The model's actual signature, to compare with the contract.</summary>
    public ModelSignature Signature { get; } = signature;
}

/// <summary>The backend failed to run the model (a native error, an unreachable endpoint…).</summary>
public class ModelExecutionException(string model, string message, Exception? innerException = null)
    : ModelKitException($"Model '{model}': {message}", innerException)
{
    /// <summary>The model whose run failed.</summary>
    public string Model { get; } = model;
}

/// <summary>A model could not be loaded or configured.</summary>
public class ModelLoadException(string model, string message, Exception? innerException = null)
    : ModelKitException($"Model '{model}' could not be loaded: {message}", innerException)
{
    /// <summary>The model that could not be loaded.</summary>
    public string Model { get; } = model;
}

/// <summary>None of the configured execution providers is available in the ONNX Runtime native library that was loaded.</summary>
public sealed class ExecutionProviderUnavailableException(string model, string provider, IReadOnlyList<string> available, string hint)
    : ModelLoadException(model, $"execution provider '{provider}' is not available (this ONNX Runtime offers: {string.Join(", ", available)}). {hint}")
{
    /// <summary>The execution provider that was asked for (e.g. <c>CUDA</c>).</summary>
    public string Provider { get; } = provider;

    /// <summary>The execution providers the loaded ONNX Runtime offers.</summary>
    public IReadOnlyList<string> Available { get; } = available;
}
