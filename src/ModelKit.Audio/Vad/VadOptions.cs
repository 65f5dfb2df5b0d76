using Microsoft.Extensions.Options;

namespace ModelKit.Audio.Vad;

/// <summary>
/// The hysteresis that turns per-frame speech probabilities into segments. The defaults are the reference's
/// (silero-vad's <c>get_speech_timestamps</c>): threshold 0.5, negative threshold 0.35, minimum speech 250 ms,
/// minimum silence 100 ms, speech padding 30 ms.
/// </summary>
public sealed class VadOptions
{
    /// <summary>A frame at or above this probability is speech (starts or continues a segment).</summary>
    public float Threshold { get; set; } = 0.5f;

    /// <summary>A frame below this probability is silence (may end a segment); null means <c>max(Threshold − 0.15, 0.01)</c>.</summary>
    public float? NegativeThreshold { get; set; }

    /// <summary>Segments shorter than this (before padding) are dropped.</summary>
    public TimeSpan MinSpeechDuration { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Silence must last this long to end a segment.</summary>
    public TimeSpan MinSilenceDuration { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Each segment is widened by this much on both sides (split evenly when two segments are closer than twice this).</summary>
    public TimeSpan SpeechPad { get; set; } = TimeSpan.FromMilliseconds(30);

    /// <summary>The negative threshold in force.</summary>
    public float EffectiveNegativeThreshold => NegativeThreshold ?? MathF.Max(Threshold - 0.15f, 0.01f);
}

/// <summary>Validates <see cref="VadOptions"/> (registered with the options so a bad configuration fails at first use, by name).</summary>
public sealed class VadOptionsValidator : IValidateOptions<VadOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, VadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Threshold is <= 0f or >= 1f || float.IsNaN(options.Threshold))
        {
            failures.Add($"Threshold must lie in (0, 1); got {options.Threshold}.");
        }

        if (options.NegativeThreshold is { } neg && (neg <= 0f || neg > options.Threshold || float.IsNaN(neg)))
        {
            failures.Add($"NegativeThreshold must lie in (0, Threshold = {options.Threshold}]; got {neg}.");
        }

        if (options.MinSpeechDuration < TimeSpan.Zero)
        {
            failures.Add($"MinSpeechDuration must not be negative; got {options.MinSpeechDuration}.");
        }

        if (options.MinSilenceDuration < TimeSpan.Zero)
        {
            failures.Add($"MinSilenceDuration must not be negative; got {options.MinSilenceDuration}.");
        }

        if (options.SpeechPad < TimeSpan.Zero)
        {
            failures.Add($"SpeechPad must not be negative; got {options.SpeechPad}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> when <paramref name="options"/> is invalid.</summary>
    public static void ThrowIfInvalid(VadOptions options)
    {
        var result = new VadOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(nameof(VadOptions), typeof(VadOptions), result.Failures);
        }
    }
}
