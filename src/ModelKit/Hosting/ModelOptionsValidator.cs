using Microsoft.Extensions.Options;

namespace ModelKit;

/// <summary>Validates <see cref="ModelOptions"/> for each registered model.</summary>
internal sealed class ModelOptionsValidator(ModelKitModelCatalog catalog) : IValidateOptions<ModelOptions>
{
    private static readonly string[] Protocols = ["rest-binary", "rest-json", "grpc"];
    private static readonly string[] Levels = ["none", "basic", "extended", "all"];

    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        if (name is null || !catalog.Contains(name))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        string prefix = $"ModelKit:Models:{name}";
        if (options.IsLocal == options.IsRemote)
        {
            failures.Add(options.IsLocal
                ? $"{prefix} sets both Path and Endpoint; set Path to run locally or Endpoint to run remotely, not both."
                : $"{prefix} sets neither Path (run locally) nor Endpoint (run remotely).");
        }

        if (!string.IsNullOrWhiteSpace(options.Endpoint) && !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out _))
        {
            failures.Add($"{prefix}:Endpoint '{options.Endpoint}' is not an absolute URI.");
        }

        if (options.Endpoints is { Count: > 0 } endpoints)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < endpoints.Count; i++)
            {
                string? endpoint = endpoints[i];
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    failures.Add($"{prefix}:Endpoints:{i} '{endpoint}' is not an absolute http:// or https:// address.");
                }
                else if (!seen.Add(uri.ToString().TrimEnd('/')))
                {
                    failures.Add($"{prefix}:Endpoints:{i} '{endpoint}' is listed twice.");
                }
            }
        }

        if (options.LoadBalancing is not ("round-robin" or "least-outstanding"))
        {
            failures.Add($"{prefix}:LoadBalancing '{options.LoadBalancing}' is not one of round-robin, least-outstanding.");
        }

        if (!Protocols.Contains(options.Protocol, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{prefix}:Protocol '{options.Protocol}' is not one of {string.Join(", ", Protocols)}.");
        }

        if (!string.IsNullOrEmpty(options.Version) && !options.Version.All(char.IsAsciiDigit))
        {
            failures.Add($"{prefix}:Version '{options.Version}' must be numeric.");
        }

        if (!Levels.Contains(options.GraphOptimizationLevel, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{prefix}:GraphOptimizationLevel '{options.GraphOptimizationLevel}' is not one of {string.Join(", ", Levels)}.");
        }

        if (options.IntraOpThreads < 0 || options.InterOpThreads < 0 || options.WarmupRuns < 0 || options.CudaDeviceId < 0)
        {
            failures.Add($"{prefix}: IntraOpThreads, InterOpThreads, WarmupRuns and CudaDeviceId must not be negative.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:Timeout must be positive.");
        }

        if (options.Fallback is { } fallback)
        {
            if (string.IsNullOrWhiteSpace(fallback.Path))
            {
                failures.Add($"{prefix}:Fallback needs a Path (the local model run while the endpoint is unreachable).");
            }
            else if (!options.IsRemote)
            {
                failures.Add($"{prefix}:Fallback applies to remote models only; set Endpoint, or drop Fallback and set Path.");
            }
        }

        if (options.Batching is { } batching)
        {
            if (batching.MaxBatchSize < 1 || batching.MaxQueueSize < 1 || batching.MaxQueueDelay < TimeSpan.Zero)
            {
                failures.Add($"{prefix}:Batching needs MaxBatchSize ≥ 1, MaxQueueSize ≥ 1 and a non-negative MaxQueueDelay.");
            }

            if (batching.PreferredBatchSizes.Any(size => size < 1 || size > batching.MaxBatchSize))
            {
                failures.Add($"{prefix}:Batching:PreferredBatchSizes must lie between 1 and MaxBatchSize ({batching.MaxBatchSize}).");
            }

            if (batching.ConcurrentBatches is < 1 or > 64)
            {
                failures.Add($"{prefix}:Batching:ConcurrentBatches must lie between 1 and 64 (it is {batching.ConcurrentBatches}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
