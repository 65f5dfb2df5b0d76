using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelKit.Protocol;
using ModelKit.Protocol.Metadata;

namespace ModelKit.Server;

/// <summary>The authentication scheme and authorization policy names of the ModelKit server's API keys.</summary>
public static class ModelKitAuthentication
{
    /// <summary>The API key authentication scheme.</summary>
    public const string Scheme = "ModelKitApiKey";

    /// <summary>The authorization policy the ModelKit endpoints (REST group and gRPC service) require.</summary>
    public const string Policy = "ModelKitApiKey";
}

/// <summary>Options of <see cref="ApiKeyAuthenticationHandler"/> (the keys themselves come from <see cref="ModelKitServerOptions.ApiKeys"/>).</summary>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
}

/// <summary>
/// ASP.NET Core authentication for API keys: <c>Authorization: Bearer &lt;key&gt;</c> or <c>x-api-key: &lt;key&gt;</c>, checked in
/// constant time by <see cref="ApiKeyAuthenticator"/>. It runs in the authentication/authorization middleware, before any endpoint
/// reads a body, so neither a REST body nor a gRPC message is decoded for a caller without a valid key. A refused REST call gets the
/// protocol's error body (401 with <c>WWW-Authenticate: Bearer</c>, or 503 while the server's start-up check is pending); a refused
/// gRPC call gets a trailers-only answer with <c>UNAUTHENTICATED</c> (or <c>UNAVAILABLE</c>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyAuthenticator authenticator)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, loggerFactory, encoder)
{
    private AuthenticationResult _result = AuthenticationResult.Missing;

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        _result = authenticator.Check(headers.Authorization.ToString(), headers[ApiKeyAuthenticator.ApiKeyHeader].ToString());
        return Task.FromResult(_result switch
        {
            AuthenticationResult.Accepted => AuthenticateResult.Success(Ticket),
            AuthenticationResult.Missing => AuthenticateResult.NoResult(),
            _ => AuthenticateResult.Fail(ApiKeyAuthenticator.Describe(_result)),
        });
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var result = _result == AuthenticationResult.Accepted ? AuthenticationResult.Invalid : _result;
        ServerLog.Unauthorized(Logger, Request.Path.ToString(), result.ToString());
        string message = ApiKeyAuthenticator.Describe(result);
        bool starting = result == AuthenticationResult.NotStarted;
        var response = Response;
        if (IsGrpc(Request))
        {
            // A trailers-only gRPC answer: HTTP 200, the status in the headers. The message was never read.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = starting ? "14" : "16";
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }

        response.StatusCode = starting ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status401Unauthorized;
        if (!starting)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        if (Request.ContentLength is not 0 && Request.Method is "POST" or "PUT")
        {
            // The body is not read: the connection cannot be reused for the next request.
            response.Headers.Connection = "close";
        }

        await response.WriteAsJsonAsync(new ErrorResponse { Error = message }, ProtocolJsonContext.Relaxed.ErrorResponse, ProtocolNames.Json, Context.RequestAborted).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => HandleChallengeAsync(properties);

    private AuthenticationTicket Ticket => new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], Scheme.Name)), Scheme.Name);

    internal static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>The policy: an identity authenticated by the API key scheme.</summary>
    internal static AuthorizationPolicy CreatePolicy() =>
        new AuthorizationPolicyBuilder(ModelKitAuthentication.Scheme).RequireAuthenticatedUser().Build();
}
