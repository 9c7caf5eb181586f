using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Hosting;

/// <summary>Security headers on every response. The CSP is what Blazor Server and MudBlazor need and no more.</summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, IConfiguration configuration)
{
    private readonly string _contentSecurityPolicy = ContentSecurityPolicy(ProviderOrigin(configuration));

    // MudBlazor writes style attributes and a theme <style> element, hence 'unsafe-inline' for styles only;
    // scripts are same-origin files (no inline script, no eval). 'self' covers the Blazor/SignalR WebSocket.
    // Browsers apply form-action to the redirects after a form post too, so the identity provider's origin is
    // allowed there (the "Sign in with" form redirects to it), and nowhere else.
    public static string ContentSecurityPolicy(string? identityProviderOrigin = null) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
        $"form-action 'self'{(identityProviderOrigin is null ? "" : " " + identityProviderOrigin)}; frame-ancestors 'none'";

    private static string? ProviderOrigin(IConfiguration configuration)
    {
        if (!OidcAuthentication.IsConfigured(configuration))
        {
            return null;
        }

        var oidc = configuration.GetSection(Core.Identity.External.OidcOptions.SectionName).Get<Core.Identity.External.OidcOptions>()!;
        var authority = oidc.IsEntra ? oidc.Instance : oidc.Authority;
        return Uri.TryCreate(authority, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = _contentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next(context);
    }
}
