using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Shared;

/// <summary>
/// Ordering and colour words for alerts on tiles and the wall. Which alerts belong to which service, and what state
/// they give it, is the health model's (<see cref="OpsConsole.Core.Board.ServiceHealthModel"/>).
/// </summary>
public static class ServiceAlerts
{
    /// <summary>
    /// The service an alert belongs to, for a link to <c>/services/{name}</c>: its <c>job</c> label, else its
    /// <c>service</c> label, when that names a known scrape target; null otherwise (a service the console does not scrape
    /// has no page).
    /// </summary>
    public static string? ServiceOf(AlertView alert, IReadOnlySet<string>? knownServices)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (knownServices is null || knownServices.Count == 0)
        {
            return null;
        }

        return new[] { alert.Labels["job"], alert.Labels["service"] }.FirstOrDefault(name => name is not null && knownServices.Contains(name));
    }

    /// <summary>Worst severity first (as the alerts page ranks them), then the longest firing, then by name.</summary>
    public static IEnumerable<AlertView> Ordered(IEnumerable<AlertView> alerts) => SeverityRank.Ordered(alerts);

    /// <summary>The colour word for tiles and the wall: critical (also error, page …), warning, info, or none.</summary>
    public static string SeverityClass(string? severity) => AlertSeverity.Rank(severity) switch
    {
        <= 1 => "critical",
        2 => "warning",
        3 => "info",
        _ => "none",
    };
}
