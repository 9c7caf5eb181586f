namespace OpsConsole.Core.Alerts;

/// <summary>
/// How bad an alert's <c>severity</c> label is: the usual words rank first; anything else (or no label) ranks last, so
/// an unfamiliar severity is never treated as bad. Pages colour by it; the health model derives a service's state from it.
/// </summary>
public static class SeverityRank
{
    public const int Critical = 0;
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Unknown = 4;

    /// <summary>0 is the worst.</summary>
    public static int Of(string? severity) => severity?.Trim().ToLowerInvariant() switch
    {
        "critical" or "page" or "emergency" or "alert" => Critical,
        "error" or "high" or "major" => Error,
        "warning" or "warn" or "medium" or "minor" => Warning,
        "info" or "informational" or "low" or "notice" => Info,
        _ => Unknown,
    };

    /// <summary>Worst severity first, then the longest active, then by name: the order every list of alerts uses.</summary>
    public static IEnumerable<AlertView> Ordered(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        return alerts
            .OrderBy(a => Of(a.Severity))
            .ThenBy(a => a.FiredAt ?? a.ActiveAt)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .ThenBy(a => a.Id);
    }
}
