using Microsoft.AspNetCore.Components;

namespace OpsConsole.Web.Features.Identity.Account;

/// <summary>Redirects from server-rendered account pages, refusing anything but a local path (no open redirects).</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigation)
{
    public void RedirectTo(string? uri) => navigation.NavigateTo(LocalOrRoot(uri));

    public static string LocalOrRoot(string? uri) =>
        !string.IsNullOrEmpty(uri) && uri.StartsWith('/') && !uri.StartsWith("//", StringComparison.Ordinal) && !uri.StartsWith("/\\", StringComparison.Ordinal)
            ? uri
            : "/";
}
