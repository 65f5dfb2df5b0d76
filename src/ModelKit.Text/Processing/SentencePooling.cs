using System.Numerics.Tensors;
using ModelKit.Processing;

namespace ModelKit.Text.Processing;

/// <summary>
/// Post-processing step for sentence-embedding models: <c>last_hidden_state</c> [1, tokens, dimensions] → one vector, by mean pooling
/// over the attention mask (or the <c>[CLS]</c> vector), L2-normalized unless turned off. Reads only the item's own tokens when the
/// item ran padded in a batch.
/// </summary>
public sealed class SentencePooling : IPostprocessor<float[]>, IPostprocessor<ReadOnlyMemory<float>>, IPostprocessor<TextEmbedding>
{
    private readonly string _hidden;
    private readonly string _mask;

    /// <summary>Creates the step.</summary>
    public SentencePooling(TextEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Pooling = options.Pooling;
        Normalize = options.Normalize;
        _hidden = options.HiddenStateName;
        _mask = options.AttentionMaskName;
        Tensors = [new StepTensor(_hidden, TensorElementType.Float, [-1, -1, -1])];
    }

    /// <summary>The pooling mode.</summary>
    public PoolingMode Pooling { get; }

    /// <summary>Whether vectors are scaled to unit length.</summary>
    public bool Normalize { get; }

    /// <inheritdoc/>
    public IReadOnlyList<StepTensor> Tensors { get; }

    /// <summary>The sentence vector.</summary>
    public float[] Postprocess(ProcessingContext context) => Pool(context, out _);

    ReadOnlyMemory<float> IPostprocessor<ReadOnlyMemory<float>>.Postprocess(ProcessingContext context) => Pool(context, out _);

    TextEmbedding IPostprocessor<TextEmbedding>.Postprocess(ProcessingContext context)
    {
        var vector = Pool(context, out int tokens);
        return new TextEmbedding(vector, tokens);
    }

    private float[] Pool(ProcessingContext context, out int tokens)
    {
        var hidden = context.GetOutput(_hidden);
        var mask = context.GetInput(_mask);
        if (hidden.Shape.Length != 3 || hidden.Shape[0] != 1)
        {
            throw new ProcessingException(nameof(SentencePooling), $"{context.Operation}: '{_hidden}' has shape {hidden.ShapeText}; expected [1, tokens, dimensions].");
        }

        int positions = (int)hidden.Shape[1];
        int dimensions = (int)hidden.Shape[2];
        var maskSpan = mask.Buffer.AsSpan<long>();
        tokens = maskSpan.Length;
        if (tokens > positions)
        {
            throw new ProcessingException(nameof(SentencePooling), $"{context.Operation}: {tokens} tokens but '{_hidden}' has {positions} positions.");
        }

        var states = hidden.Buffer.AsSpan<float>();
        var vector = new float[dimensions];
        if (Pooling == PoolingMode.Cls)
        {
            states[..dimensions].CopyTo(vector);
        }
        else
        {
            float weight = 0;
            for (int t = 0; t < tokens; t++)
            {
                if (maskSpan[t] != 0)
                {
                    TensorPrimitives.Add(vector, states.Slice(t * dimensions, dimensions), vector);
                    weight++;
                }
            }

            TensorPrimitives.Divide(vector, Math.Max(weight, 1e-9f), vector);
        }

        if (Normalize)
        {
            float norm = TensorPrimitives.Norm(vector);
            TensorPrimitives.Divide(vector, Math.Max(norm, 1e-12f), vector);
        }

        return vector;
    }
}

/// <summary>A sentence vector and the number of tokens it was computed from (after truncation, with [CLS] and [SEP]).</summary>
public readonly record struct TextEmbedding(float[] Vector, int TokenCount);
