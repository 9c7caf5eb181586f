using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Identity.Sessions;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Identity.Displays;

namespace OpsConsole.Web.Features.Identity.Account;

public static class ConsoleAuthentication
{
    public const string SignInRateLimitPolicy = "signin";
    public const string ConsoleScheme = "OpsConsole";
    public const string UserCookieName = "opsconsole.auth";

    /// <summary>Cookie sign-in for local accounts; API and hub callers get 401/403 instead of a redirect.</summary>
    public static WebApplicationBuilder AddConsoleAuthentication(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<IdentityRedirectManager>();
        builder.Services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        var oidcConfigured = OidcAuthentication.IsConfigured(builder.Configuration);
        builder.Services
            .AddAuthentication(options =>
            {
                options.DefaultScheme = ConsoleScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            // One default scheme for everything: a request carrying a bearer token is judged by the API token or the
            // provider's token handler, a wall display's by its device cookie, any other by the sign-in cookie.
            .AddPolicyScheme(ConsoleScheme, "Cookie, display or bearer token", options =>
                options.ForwardDefaultSelector = context => SelectScheme(context.Request, oidcConfigured))
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddDisplayCookie();
        builder.Services.AddAuthentication().AddIdentityCookies();

        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = UserCookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever served over HTTPS
            cookie.LoginPath = "/account/login";
            cookie.LogoutPath = "/account/logout";
            cookie.AccessDeniedPath = "/account/access-denied";
            cookie.ExpireTimeSpan = UserSessionService.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.Events.OnRedirectToLogin = ctx => NonBrowserStatus(ctx, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = ctx => NonBrowserStatus(ctx, StatusCodes.Status403Forbidden);
            UserSessionCookie.Attach(cookie); // an ended session's cookie is refused at once
        });
        // Every request re-checks the security stamp (one indexed lookup), so a disabled, reset or signed-out user's
        // cookie stops working at once, matching what their open pages do on the identity.sessions.revoked event.
        builder.Services.Configure<SecurityStampValidatorOptions>(o =>
        {
            o.ValidationInterval = TimeSpan.Zero;
            o.OnRefreshingPrincipal = UserSessionCookie.KeepSessionClaim;
        });
        return builder;
    }

    /// <summary>
    /// Console API tokens are recognisable by their prefix; any other bearer token is the identity provider's
    /// access token when one is configured. Requests without a token use the display cookie when that is all they
    /// carry, else the sign-in cookie.
    /// </summary>
    internal static string SelectScheme(HttpRequest request, bool oidcConfigured)
    {
        var token = ApiTokenAuthenticationHandler.PresentedToken(request);
        if (token is null)
        {
            return DisplayAuthentication.CarriesDisplayCookieOnly(request) ? DisplayAuthentication.SchemeName : IdentityConstants.ApplicationScheme;
        }

        return oidcConfigured && !token.StartsWith(Core.Identity.ApiTokens.ApiTokenService.Prefix, StringComparison.Ordinal)
            ? OidcAuthentication.BearerScheme
            : ApiTokenAuthenticationHandler.SchemeName;
    }

    internal static bool IsNonBrowserPath(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase);

    internal static Task NonBrowserStatus(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (IsNonBrowserPath(ctx.Request.Path))
        {
            return status == StatusCodes.Status401Unauthorized
                ? ApiProblem.UnauthorizedAsync(ctx.HttpContext, "Authentication required: send a bearer API token or sign in.")
                : ApiProblem.ForbiddenAsync(ctx.HttpContext);
        }

        return RedirectAsync(ctx, status);
    }

    private static async Task RedirectAsync(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int status)
    {
        if (status == StatusCodes.Status403Forbidden)
        {
            await ApiProblem.RecordDenialAsync(ctx.HttpContext, "forbidden", "page policy not satisfied");
        }

        ctx.Response.Redirect(ctx.RedirectUri);
    }
}
