using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ModelKit.Server;

/// <summary>
/// After the web server has bound its addresses, refuses to start (the host's start-up throws) when it listens on a
/// non-loopback address with no API key configured and authentication not disabled explicitly. Until the check passes, a
/// server without keys answers nothing but 503.
/// </summary>
internal sealed class ListenAddressGuard(IServiceProvider services, ApiKeyAuthenticator authenticator, ILogger<ListenAddressGuard> logger) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(static a => !IsLoopback(a)).ToList();
        if (exposed.Count > 0 && !authenticator.RequiresKey)
        {
            if (!authenticator.DisableAuthentication)
            {
                string message =
                    $"The ModelKit server listens on {string.Join(", ", exposed)}, which is not loopback, and no API key is configured. " +
                    "Set ModelKit:Server:ApiKeys (modelkit serve --api-key), or set DisableAuthentication (modelkit serve --no-auth) to serve without keys on purpose.";
                ServerLog.RefusingToStart(logger, message);
                throw new InvalidOperationException(message);
            }

            ServerLog.AuthenticationDisabled(logger, string.Join(", ", exposed));
        }

        authenticator.StartupVerified = true;
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether a listening address (<c>http://127.0.0.1:8000</c>, <c>http://[::1]:5000</c>, <c>http://localhost:80</c>) is loopback only.</summary>
    internal static bool IsLoopback(string address)
    {
        string host = address;
        int scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }

        int slash = host.IndexOf('/');
        if (slash >= 0)
        {
            host = host[..slash];
        }

        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            host = close > 0 ? host[1..close] : host;
        }
        else
        {
            int colon = host.LastIndexOf(':');
            if (colon >= 0)
            {
                host = host[..colon];
            }
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
