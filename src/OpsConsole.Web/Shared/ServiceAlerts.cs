using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Shared;

/// <summary>
/// The alerts a service's tile shows: how many notify, the worst severity among them, and the first one (worst, then
/// longest firing) by name.
/// </summary>
public sealed record ServiceAlertMark(string Service, IReadOnlyList<AlertView> Alerts)
{
    public int Count => Alerts.Count;

    public AlertView First => Alerts[0];

    public string WorstSeverity => First.Severity;
}

/// <summary>
/// Which notifying alerts belong to which service: an alert names a service by its <c>job</c> label (the scrape target,
/// as rules over the console's series carry it) or its <c>service</c> label (the usual label of ingested alerts).
/// Silenced, inhibited, pending and resolved alerts never mark a tile.
/// </summary>
public static class ServiceAlerts
{
    /// <summary>The services with at least one notifying alert, by service name (case-sensitive, as target names are).</summary>
    public static IReadOnlyDictionary<string, ServiceAlertMark> ByService(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var byService = new Dictionary<string, List<AlertView>>(StringComparer.Ordinal);
        foreach (var alert in alerts.Where(a => a.Notifies))
        {
            var job = alert.Labels["job"];
            var service = alert.Labels["service"];
            foreach (var name in new[] { job, service }.OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (!byService.TryGetValue(name, out var list))
                {
                    byService[name] = list = [];
                }

                list.Add(alert);
            }
        }

        return byService.ToDictionary(
            p => p.Key,
            p => new ServiceAlertMark(p.Key, [.. Ordered(p.Value)]),
            StringComparer.Ordinal);
    }

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
    public static IEnumerable<AlertView> Ordered(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        return alerts
            .OrderBy(a => AlertSeverity.Rank(a.Severity))
            .ThenBy(a => a.FiredAt ?? a.ActiveAt)
            .ThenBy(a => a.Name, StringComparer.Ordinal)
            .ThenBy(a => a.Id);
    }

    /// <summary>The colour word for tiles and the wall: critical (also error, page …), warning, info, or none.</summary>
    public static string SeverityClass(string? severity) => AlertSeverity.Rank(severity) switch
    {
        <= 1 => "critical",
        2 => "warning",
        3 => "info",
        _ => "none",
    };
}
