using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelKit.Audio.Vad;

namespace ModelKit.Audio;

/// <summary>Registers ModelKit's voice activity detection.</summary>
public static class AudioServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="VoiceActivityDetector"/> and its validated <see cref="VadOptions"/>. The
    /// <see cref="ISileroVadModel"/> contract itself is registered with ModelKit as any model is
    /// (<c>kit.AddModel&lt;ISileroVadModel&gt;(m =&gt; m.Path = await SileroVadModels.EnsureModelAsync())</c>, or a remote endpoint).
    /// </summary>
    public static IServiceCollection AddVoiceActivityDetection(this IServiceCollection services, Action<VadOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<VadOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VadOptions>, VadOptionsValidator>());
        services.TryAddSingleton<VoiceActivityDetector>();
        return services;
    }
}
