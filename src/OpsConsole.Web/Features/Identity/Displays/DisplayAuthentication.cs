using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Features.Identity.Displays;

/// <summary>
/// The wall displays' own cookie scheme: a year-long sliding cookie carrying the device id, its stamp and the Display
/// role. Every request re-checks the device (one primary-key lookup), so a revoked display is refused at once.
/// </summary>
public static class DisplayAuthentication
{
    public const string SchemeName = "Display";
    public const string CookieName = "opsconsole.display";
    public const string PairPath = "/display/pair";
    public const string WallPath = "/wall";
    public static readonly TimeSpan CookieLifetime = TimeSpan.FromDays(365);

    /// <summary>A display's request: its cookie and no person's. A person's sign-in wins when a browser holds both.</summary>
    public static bool CarriesDisplayCookieOnly(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Cookies.ContainsKey(CookieName) && !request.Cookies.ContainsKey(ConsoleAuthentication.UserCookieName);
    }

    public static AuthenticationBuilder AddDisplayCookie(this AuthenticationBuilder builder) =>
        builder.AddCookie(SchemeName, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // Secure whenever served over HTTPS
            cookie.ExpireTimeSpan = CookieLifetime;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = PairPath; // a display that lost its pairing shows the pairing page, not a password form
            cookie.AccessDeniedPath = "/account/access-denied";
            cookie.Events.OnValidatePrincipal = ValidateAsync;
            cookie.Events.OnRedirectToLogin = ctx => ConsoleAuthentication.NonBrowserStatus(ctx, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = ctx => ConsoleAuthentication.NonBrowserStatus(ctx, StatusCodes.Status403Forbidden);
        });

    public static ClaimsPrincipal PrincipalFor(DisplayDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, device.Name),
                new Claim(ClaimTypes.Role, ConsoleRoles.Display),
                new Claim(ConsoleClaims.DisplayId, device.Id.ToString()),
                new Claim(ConsoleClaims.DisplayStamp, device.Stamp),
            ],
            SchemeName));
    }

    public static bool TryReadDevice(ClaimsPrincipal? principal, out Guid deviceId, out string stamp)
    {
        stamp = principal?.FindFirstValue(ConsoleClaims.DisplayStamp) ?? "";
        deviceId = Guid.Empty;
        return Guid.TryParse(principal?.FindFirstValue(ConsoleClaims.DisplayId), out deviceId) && stamp.Length > 0;
    }

    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var displays = http.RequestServices.GetRequiredService<DisplayDeviceService>();
        if (!TryReadDevice(context.Principal, out var deviceId, out var stamp)
            || !await displays.CheckAsync(deviceId, stamp, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString(), http.RequestAborted))
        {
            context.RejectPrincipal();
            await http.SignOutAsync(SchemeName); // drop the dead cookie, so the next request is simply anonymous
        }
    }
}
