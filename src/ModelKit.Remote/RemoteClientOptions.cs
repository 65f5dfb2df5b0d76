using Microsoft.Extensions.Options;

namespace ModelKit.Remote;

/// <summary>
/// Process-wide settings of the remote backend's HTTP clients (one connection pool per endpoint, shared by all remote models).
/// Configure with <c>kit.AddRemote(o => …)</c> or <c>services.Configure&lt;RemoteClientOptions&gt;(…)</c>.
/// </summary>
public sealed class RemoteClientOptions
{
    /// <summary>
    /// The longest a retry waits for a server's <c>Retry-After</c> (seconds or HTTP date) on a 503 or 429. A longer value is cut to
    /// this; <see cref="TimeSpan.Zero"/> ignores the header (exponential backoff from 100 ms instead). Default 5 s. The request's
    /// total timeout grows by twice this (two retries).
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// HTTP/1.1 connections per endpoint (REST): each request in flight holds one, so this caps the concurrency to one server;
    /// further requests wait for a free connection. Default unlimited (.NET's default): size it at or above your peak
    /// concurrent calls per endpoint (see the README's figures).
    /// </summary>
    public int MaxConnectionsPerServer { get; set; } = int.MaxValue;

    /// <summary>
    /// How long a pooled connection lives before it is replaced (default 2 min), so that DNS changes (a scaled Kubernetes
    /// Service, a moved endpoint) are picked up and load spreads over new replicas behind one address.
    /// </summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an idle pooled connection is kept (default 1 min).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Opens further HTTP/2 connections when one reaches the server's concurrent-stream limit (gRPC; REST over https with
    /// HTTP/2). Default on: without it, calls beyond the limit (100 streams on Kestrel) queue on one connection.
    /// </summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;
}

/// <summary>Validates <see cref="RemoteClientOptions"/> at first use.</summary>
internal sealed class RemoteClientOptionsValidator : IValidateOptions<RemoteClientOptions>
{
    public ValidateOptionsResult Validate(string? name, RemoteClientOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRetryAfter < TimeSpan.Zero || options.MaxRetryAfter > TimeSpan.FromMinutes(5))
        {
            failures.Add($"RemoteClientOptions.MaxRetryAfter must lie between 0 and 5 minutes (got {options.MaxRetryAfter}).");
        }

        if (options.MaxConnectionsPerServer < 1)
        {
            failures.Add($"RemoteClientOptions.MaxConnectionsPerServer must be at least 1 (got {options.MaxConnectionsPerServer}).");
        }

        if (options.PooledConnectionLifetime <= TimeSpan.Zero && options.PooledConnectionLifetime != System.Threading.Timeout.InfiniteTimeSpan)
        {
            failures.Add("RemoteClientOptions.PooledConnectionLifetime must be positive (or infinite).");
        }

        if (options.PooledConnectionIdleTimeout <= TimeSpan.Zero && options.PooledConnectionIdleTimeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            failures.Add("RemoteClientOptions.PooledConnectionIdleTimeout must be positive (or infinite).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
