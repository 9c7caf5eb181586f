namespace OpsConsole.Core.Identity.Sessions;

/// <summary>"Firefox on Linux" from a User-Agent header: enough to tell one's own sessions apart, not a full parser.</summary>
public static class UserAgentSummary
{
    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Unknown browser";
        }

        // Order matters: Edge and Chrome also say "Safari", Edge also says "Chrome".
        var browser =
            Has(userAgent, "Edg/") ? "Edge"
            : Has(userAgent, "Firefox/") ? "Firefox"
            : Has(userAgent, "Chrome/") || Has(userAgent, "Chromium/") ? "Chrome"
            : Has(userAgent, "Safari/") ? "Safari"
            : Has(userAgent, "curl/") ? "curl"
            : null;
        var system =
            Has(userAgent, "Windows") ? "Windows"
            : Has(userAgent, "Android") ? "Android"
            : Has(userAgent, "iPhone") || Has(userAgent, "iPad") ? "iOS"
            : Has(userAgent, "Mac OS X") || Has(userAgent, "Macintosh") ? "macOS"
            : Has(userAgent, "CrOS") ? "ChromeOS"
            : Has(userAgent, "Linux") ? "Linux"
            : null;
        return (browser, system) switch
        {
            (null, null) => "Unknown browser",
            (null, _) => $"Browser on {system}",
            (_, null) => browser,
            _ => $"{browser} on {system}",
        };
    }

    private static bool Has(string userAgent, string token) => userAgent.Contains(token, StringComparison.OrdinalIgnoreCase);
}
