using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.Core.Identity.ApiTokens;

/// <summary>
/// Parses the CLI's short lifetimes ("30m", "12h", "1d", "90d", "1y"). Hand-written: TimeSpan has no such
/// format and a dependency for five suffixes would be heavier than this.
/// </summary>
public static partial class ApiTokenLifetime
{
    public static bool TryParse(string? text, out TimeSpan lifetime)
    {
        lifetime = default;
        var match = Pattern().Match(text?.Trim() ?? "");
        if (!match.Success || !int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return false;
        }

        lifetime = match.Groups["unit"].Value switch
        {
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            "w" => TimeSpan.FromDays(7 * n),
            _ => TimeSpan.FromDays(365 * n),
        };
        return true;
    }

    [GeneratedRegex("^(?<n>[0-9]{1,6})(?<unit>[mhdwy])$")]
    private static partial Regex Pattern();
}
