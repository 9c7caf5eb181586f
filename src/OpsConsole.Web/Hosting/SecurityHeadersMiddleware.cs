namespace OpsConsole.Web.Hosting;

/// <summary>Security headers on every response. The CSP is what Blazor Server and MudBlazor need and no more.</summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    // MudBlazor writes style attributes and a theme <style> element, hence 'unsafe-inline' for styles only;
    // scripts are same-origin files (no inline script, no eval). 'self' covers the Blazor/SignalR WebSocket.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
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
