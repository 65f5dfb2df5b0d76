namespace ModelKit.Remote.Tests;

// The contract of the typed local inference issue, unchanged: nothing in it says local or remote.
[ModelContract("mnist")]
public partial interface IDigitClassifier
{
    DigitScores Predict(DigitImage image);

    ValueTask<DigitScores> PredictAsync(DigitImage image, CancellationToken cancellationToken = default);

    DigitScores[] PredictBatch(IReadOnlyList<DigitImage> images);
}

public sealed class DigitImage
{
    [Tensor("Input3", 1, 1, 28, 28)]
    public float[] Pixels { get; set; } = new float[784];
}

public sealed class DigitScores
{
    [Tensor("Plus214_Output_0")]
    public float[] Logits { get; set; } = [];
}

/// <summary>An output whose shape only the run knows (NonZero): it must come back with its shape, remote as local.</summary>
[ModelContract("nonzero")]
public partial interface INonZero
{
    [return: Tensor("y")]
    ModelTensor<long> Find([Tensor("x", -1)] float[] values);

    [return: Tensor("y")]
    ValueTask<ModelTensor<long>> FindAsync([Tensor("x", -1)] float[] values, CancellationToken cancellationToken = default);
}

/// <summary>A model that takes seconds, to cancel while it runs on the server.</summary>
[ModelContract("slow")]
public partial interface ISlow
{
    [return: Tensor("y")]
    ValueTask<float[]> RunAsync([Tensor("x", 256, 1024)] float[] x, CancellationToken cancellationToken);
}

/// <summary>The zero-copy shape of the MNIST contract: caller memory in and out.</summary>
[ModelContract("mnist")]
public partial interface IMnistInto
{
    void Predict([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits);

    ValueTask PredictAsync([Tensor("Input3", 1, 1, 28, 28)] ReadOnlyMemory<float> pixels, [Output, Tensor("Plus214_Output_0", 1, 10)] Memory<float> logits, CancellationToken cancellationToken);
}

/// <summary>The ONNX twin of the KServe corpus's add model (<see cref="ClientFaultTests.AddModel"/>), for the in-process memory soak.</summary>
[ModelContract("add")]
public partial interface IAdd
{
    [return: Tensor("output-0")]
    float[] Sum([Tensor("input-0", 1, 4)] float[] a, [Tensor("input-1", 1, 4)] float[] b);
}

/// <summary>
/// Binary (BYTES) tensors in a typed contract: the served echo pipeline of <see cref="BinaryTensorTests"/> (<c>payload</c> binary
/// [N] → <c>echo</c> binary [N], <c>length</c> INT64 [N], <c>hex</c> STRING [N]).
/// </summary>
[ModelContract("binary-echo")]
public partial interface IBinaryEcho
{
    EchoResult Echo(EchoRequest request);

    ValueTask<EchoResult> EchoAsync(EchoRequest request, CancellationToken cancellationToken = default);

    [return: Tensor("echo", -1)]
    ModelTensor<ReadOnlyMemory<byte>> EchoTensor([Tensor("payload", -1)] ReadOnlyMemory<ReadOnlyMemory<byte>> payload);

    void EchoInto([Tensor("payload", 3)] ReadOnlyMemory<byte>[] payload, [Output, Tensor("echo", 3)] Memory<ReadOnlyMemory<byte>> echo);

    [return: Tensor("length", -1)]
    long[] Lengths([Tensor("payload", -1)] ModelTensor<ReadOnlyMemory<byte>> payload);
}

public sealed class EchoRequest
{
    [Tensor("payload", -1)]
    public ReadOnlyMemory<byte>[] Payload { get; set; } = [];
}

public sealed class EchoResult
{
    [Tensor("echo", -1)]
    public ReadOnlyMemory<byte>[] Echo { get; set; } = [];

    [Tensor("length", -1)]
    public long[] Length { get; set; } = [];

    [Tensor("hex", -1)]
    public string[] Hex { get; set; } = [];
}

/// <summary>The echo pipeline's binary output read as text: a contract mistake the binding names.</summary>
[ModelContract("binary-echo")]
public partial interface IBinaryEchoAsText
{
    [return: Tensor("echo", -1)]
    string[] Echo([Tensor("payload", -1)] ReadOnlyMemory<byte>[] payload);
}

/// <summary>Numbers sent to the echo pipeline's binary input: a contract mistake the binding names.</summary>
[ModelContract("binary-echo")]
public partial interface IBinaryEchoWrongInput
{
    [return: Tensor("echo", -1)]
    ReadOnlyMemory<byte>[] Echo([Tensor("payload", -1)] float[] payload);
}

/// <summary>Binary elements through an ONNX model's STRING identity (<c>identity_string</c>: x, y string [N,3]).</summary>
[ModelContract("identity_string")]
public partial interface IStringIdentityAsBytes
{
    [return: Tensor("y", -1, 3)]
    ReadOnlyMemory<byte>[] Echo([Tensor("x", -1, 3)] ReadOnlyMemory<byte>[] x);
}

/// <summary>Triton's <c>simple_identity</c> (identity backend, INPUT0/OUTPUT0 TYPE_STRING [-1], batched), read as binary elements.</summary>
[ModelContract("simple_identity")]
public partial interface ITritonBinaryIdentity
{
    [return: Tensor("OUTPUT0", 1, -1)]
    ReadOnlyMemory<byte>[] Echo([Tensor("INPUT0", 1, -1)] ReadOnlyMemory<byte>[] payload);
}

/// <summary>MLServer's <c>binary-echo</c> (a model answering with <c>Base64Codec</c>): <c>payload</c> BYTES [-1,1], content type base64.</summary>
[ModelContract("binary-echo")]
public partial interface IMlServerBinaryEcho
{
    [return: Tensor("payload", -1, 1)]
    ModelTensor<ReadOnlyMemory<byte>> Echo([Tensor("payload", -1, 1)] ReadOnlyMemory<byte>[] payload);
}
