using OpsConsole.Core.Alerts;
using OpsConsole.Core.Metrics.Services;

namespace OpsConsole.Core.Board;

/// <summary>
/// A service's state and why, as every page shows it (tile, service page, board, wall). <see cref="Firing"/> are the
/// notifying alerts that set the state, worst first; <see cref="Muted"/> fire but are silenced or inhibited;
/// <see cref="Pending"/> have crossed a threshold but not yet for their rule's <c>for</c>.
/// </summary>
public sealed record ServiceHealth(
    ServiceSnapshot Service,
    ServiceState State,
    string? Reason,
    IReadOnlyList<AlertView> Firing,
    IReadOnlyList<AlertView> Muted,
    IReadOnlyList<AlertView> Pending)
{
    public string Name => Service.Name;

    /// <summary>Every unresolved alert about the service, worst first (what the service page lists as "why").</summary>
    public IEnumerable<AlertView> Alerts => SeverityRank.Ordered([.. Firing, .. Muted, .. Pending]);
}

/// <summary>
/// The one health model: a service's state follows its alerts. A notifying critical (or error) alert makes it critical,
/// a notifying warning makes it warning; otherwise a target that stopped answering is stale, one never scraped has no
/// data, and the rest is healthy. The rules' thresholds and <c>for</c> durations are the only judgement, so a tile never
/// flaps faster than the rules and never says healthy while an alert about the service notifies. A silenced or
/// inhibited alert does not colour the tile (someone decided it should not page) but is named in the reason.
/// </summary>
public static class ServiceHealthModel
{
    /// <summary>The unresolved alerts of each service, by the <c>job</c> label (rules over scraped series) or the
    /// <c>service</c> label (the usual label of ingested alerts); case-sensitive, as target names are.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<AlertView>> AlertsByService(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var byService = new Dictionary<string, List<AlertView>>(StringComparer.Ordinal);
        foreach (var alert in alerts.Where(a => a.State != AlertState.Resolved))
        {
            foreach (var name in new[] { alert.Labels["job"], alert.Labels["service"] }.OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (!byService.TryGetValue(name, out var list))
                {
                    byService[name] = list = [];
                }

                list.Add(alert);
            }
        }

        return byService.ToDictionary(p => p.Key, p => (IReadOnlyList<AlertView>)[.. SeverityRank.Ordered(p.Value)], StringComparer.Ordinal);
    }

    public static IReadOnlyList<ServiceHealth> Evaluate(IEnumerable<ServiceSnapshot> services, IEnumerable<AlertView> alerts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(services);
        var byService = AlertsByService(alerts);
        return [.. services.Select(s => Evaluate(s, byService.GetValueOrDefault(s.Name) ?? [], now))];
    }

    /// <summary>The state of one service from its unresolved alerts and its data's age at <paramref name="now"/>.</summary>
    public static ServiceHealth Evaluate(ServiceSnapshot service, IReadOnlyList<AlertView> alerts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(alerts);
        var ordered = SeverityRank.Ordered(alerts).ToList();
        var firing = ordered.Where(a => a.Notifies).ToList();
        var muted = ordered.Where(a => a.State == AlertState.Firing && !a.Notifies).ToList();
        var pending = ordered.Where(a => a.State == AlertState.Pending).ToList();
        var worst = firing.Count == 0 ? SeverityRank.Unknown : SeverityRank.Of(firing[0].Severity);
        var dataState = service.DataStateAt(now);
        var (state, reason) = worst switch
        {
            <= SeverityRank.Error => (ServiceState.Critical, Firing(firing, now)),
            SeverityRank.Warning => (ServiceState.Warning, Firing(firing, now)),
            _ when dataState is not ServiceState.Healthy => (dataState, service.DataReasonAt(now)),
            _ => (ServiceState.Healthy, firing.Count > 0 ? Firing(firing, now) : null),
        };

        var notes = new List<string>(2);
        if (muted.Count > 0)
        {
            notes.Add($"{muted.Count} silenced ({string.Join(", ", muted.Select(a => a.Name).Distinct(StringComparer.Ordinal))})");
        }

        if (pending.Count > 0 && state is ServiceState.Healthy)
        {
            notes.Add($"{string.Join(", ", pending.Select(a => a.Name).Distinct(StringComparer.Ordinal))} pending {Ages.Describe(now - pending[0].ActiveAt)}");
        }

        if (notes.Count > 0)
        {
            reason = reason is null ? string.Join("; ", notes) : $"{reason}; {string.Join("; ", notes)}";
        }

        return new ServiceHealth(service, state, reason, firing, muted, pending);
    }

    /// <summary>"HighErrorRatio for 6 min: sampleshop: 7.2% of requests fail (+1 more)".</summary>
    private static string Firing(IReadOnlyList<AlertView> firing, DateTimeOffset now)
    {
        var first = firing[0];
        var since = first.FiredAt ?? first.ActiveAt;
        var summary = first.Annotations.GetValueOrDefault("summary");
        var text = $"{first.Name} for {Ages.Describe(now - since)}{(string.IsNullOrWhiteSpace(summary) ? "" : $": {summary}")}";
        return firing.Count == 1 ? text : $"{text} (+{firing.Count - 1} more)";
    }
}
