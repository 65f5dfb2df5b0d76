using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ModelKit.Server;

/// <summary>The outcome of checking a request's credentials.</summary>
public enum AuthenticationResult
{
    /// <summary>Accepted (a valid key, or authentication is off).</summary>
    Accepted,

    /// <summary>No key was sent.</summary>
    Missing,

    /// <summary>A key was sent and it is not one of the configured keys.</summary>
    Invalid,

    /// <summary>The server has not finished its start-up security check; nothing is served yet.</summary>
    NotStarted,
}

/// <summary>
/// Checks API keys sent as <c>Authorization: Bearer &lt;key&gt;</c> or <c>x-api-key: &lt;key&gt;</c>. Keys are kept as SHA-256
/// digests and compared with <see cref="CryptographicOperations.FixedTimeEquals"/> against every configured key, so the time
/// taken reveals neither the key nor which key matched.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    /// <summary>The API key header.</summary>
    public const string ApiKeyHeader = "x-api-key";

    private readonly byte[][] _digests;
    private volatile bool _verified;

    /// <summary>Creates the authenticator from the configured API keys; only their SHA-256 digests are kept, compared in constant time.</summary>
    public ApiKeyAuthenticator(IOptions<ModelKitServerOptions> options)
    {
        var value = options.Value;
        _digests = value.ApiKeys.Where(static k => !string.IsNullOrEmpty(k)).Select(static k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();
        DisableAuthentication = value.DisableAuthentication;
    }

    /// <summary>Whether requests must carry a key.</summary>
    public bool RequiresKey => _digests.Length > 0;

    /// <summary>Whether authentication was turned off explicitly.</summary>
    public bool DisableAuthentication { get; }

    /// <summary>
    /// Set by the start-up check once the listening addresses are known to be safe for the configuration. Until then a server
    /// without keys serves nothing (fail closed).
    /// </summary>
    public bool StartupVerified
    {
        get => _verified;
        internal set => _verified = value;
    }

    /// <summary>Checks the values of the <c>Authorization</c> and <c>x-api-key</c> headers.</summary>
    public AuthenticationResult Check(string? authorization, string? apiKey)
    {
        if (!RequiresKey)
        {
            return _verified ? AuthenticationResult.Accepted : AuthenticationResult.NotStarted;
        }

        string? key = null;
        if (!string.IsNullOrEmpty(authorization) && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }
        else if (!string.IsNullOrEmpty(apiKey))
        {
            key = apiKey.Trim();
        }

        if (string.IsNullOrEmpty(key))
        {
            return AuthenticationResult.Missing;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), digest);
        bool match = false;
        foreach (var expected in _digests)
        {
            // No early exit: every key is compared every time.
            match |= CryptographicOperations.FixedTimeEquals(digest, expected);
        }

        return match ? AuthenticationResult.Accepted : AuthenticationResult.Invalid;
    }

    /// <summary>The message for a refused request.</summary>
    public static string Describe(AuthenticationResult result) => result switch
    {
        AuthenticationResult.Missing => "An API key is required: send 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
        AuthenticationResult.Invalid => "The API key is not valid.",
        AuthenticationResult.NotStarted => "The server is starting.",
        _ => string.Empty,
    };
}
