using OpsConsole.Core.Identity.Displays;

namespace OpsConsole.Web.Features.Identity.Displays;

/// <summary>What an administrator sees once after adding a display or issuing a new code.</summary>
public sealed record PairingLink(string Name, string Code, string Url, DateTimeOffset ExpiresAt)
{
    /// <summary>The URL the TV opens: the console's own base address (as the admin's browser reached it) and the code.</summary>
    public static PairingLink From(IssuedPairingCode issued, string baseUri)
    {
        ArgumentNullException.ThrowIfNull(issued);
        return new(issued.Device.Name, issued.Code, UrlFor(baseUri, issued.Code), issued.ExpiresAt);
    }

    public static string UrlFor(string baseUri, string code) =>
        new Uri(new Uri(baseUri), $"display/pair?code={Uri.EscapeDataString(code)}").ToString();
}
