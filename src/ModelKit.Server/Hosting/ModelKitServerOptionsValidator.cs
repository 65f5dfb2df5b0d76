using Microsoft.Extensions.Options;

namespace ModelKit.Server;

/// <summary>Validates <see cref="ModelKitServerOptions"/> at start-up.</summary>
internal sealed class ModelKitServerOptionsValidator : IValidateOptions<ModelKitServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelKitServerOptions options)
    {
        var failures = new List<string>();
        if (options.RepositoryPath is { } path && !Directory.Exists(path))
        {
            failures.Add($"ModelKit:Server:RepositoryPath '{path}' is not a folder (full path '{Path.GetFullPath(path)}').");
        }

        if (options.MaxRequestBodySize < 1024)
        {
            failures.Add("ModelKit:Server:MaxRequestBodySize must be at least 1024 bytes.");
        }

        if (options.MaxElementsPerTensor < 1)
        {
            failures.Add("ModelKit:Server:MaxElementsPerTensor must be positive.");
        }

        if (options.MaxConcurrentInferences < 1 || options.MaxQueuedInferences < 0)
        {
            failures.Add("ModelKit:Server:MaxConcurrentInferences must be positive and MaxQueuedInferences not negative.");
        }

        if (options.WarmupRuns < 0)
        {
            failures.Add("ModelKit:Server:WarmupRuns must not be negative.");
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("ModelKit:Server:DrainTimeout must be between 0 and 1 hour.");
        }

        if (options.ApiKeys.Any(static k => string.IsNullOrWhiteSpace(k) || k.Length < 8))
        {
            failures.Add("ModelKit:Server:ApiKeys must be at least 8 characters each.");
        }

        if (options.ApiKeys.Count > 0 && options.DisableAuthentication)
        {
            failures.Add("ModelKit:Server sets both ApiKeys and DisableAuthentication; choose one.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
