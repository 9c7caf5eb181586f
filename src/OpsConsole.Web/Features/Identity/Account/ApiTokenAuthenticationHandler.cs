using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Web.Api;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>
/// Bearer authentication with personal API tokens (`Authorization: Bearer opc_…`; for the hub also `?access_token=`).
/// A rejected token gets a 401 problem saying why: unknown, expired, revoked or its user disabled.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string AuthenticationMethodClaim = Core.Access.ConsoleClaims.AuthMethod;
    public const string TokenIdClaim = Core.Access.ConsoleClaims.TokenId;
    public const string TokenNameClaim = Core.Access.ConsoleClaims.TokenName;

    private ApiTokenRejection? _rejection;

    /// <summary>The bearer token the request presents (header, or query string on the hub), if any.</summary>
    public static string? PresentedToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ReadToken(request);
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadToken(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        // Resolved only on a cache miss: ApiTokenService brings a DbContext and a UserManager, whose construction was a
        // fifth of an API call's CPU when every request built them (dotnet-trace of the keys harness, issue 19).
        // Not this request's RequestAborted: concurrent requests with the same token may be waiting on this validation.
        var result = await cache.GetOrValidateAsync(
            presented, () => Context.RequestServices.GetRequiredService<ApiTokenService>().ValidateAsync(presented, CancellationToken.None));
        if (!result.IsValid)
        {
            _rejection = result.Rejection;
            return AuthenticateResult.Fail($"API token rejected: {result.Rejection}");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, result.User!.Id),
            new(ClaimTypes.Name, result.User.UserName ?? result.User.Id),
            new(AuthenticationMethodClaim, "api-token"),
            new(TokenIdClaim, result.Token!.Id.ToString()),
            new(TokenNameClaim, result.Token.Name),
        };
        claims.AddRange(result.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = _rejection is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        return ApiProblem.UnauthorizedAsync(Context, _rejection switch
        {
            ApiTokenRejection.Expired => "The API token has expired.",
            ApiTokenRejection.Revoked => "The API token has been revoked.",
            ApiTokenRejection.UserDisabled => "The API token's user is locked out or no longer exists.",
            ApiTokenRejection.Unknown => "The API token is not known to this console.",
            ApiTokenRejection.Malformed => "The bearer token is not a console API token (opc_…).",
            _ => "Authentication required: send a bearer API token or sign in.",
        });
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ApiProblem.ForbiddenAsync(Context);

    private static string? ReadToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        // Browsers cannot set headers on WebSockets, so SignalR sends the token in the query string, for the hub only.
        if (request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase)
            && request.Query.TryGetValue("access_token", out var queryToken) && !string.IsNullOrEmpty(queryToken))
        {
            return queryToken.ToString();
        }

        return null;
    }
}
