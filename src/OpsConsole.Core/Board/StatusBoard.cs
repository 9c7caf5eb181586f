using OpsConsole.Core.Alerts;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Services;

namespace OpsConsole.Core.Board;

/// <summary>One capability's "needs attention" items under its heading, and who may see them.</summary>
public sealed record AttentionSection(string Title, string Policy, IReadOnlyList<AttentionItem> Items);

/// <summary>
/// Everything the status board (and the wall) shows, read at one instant from the in-memory stores: the alerts that
/// notify (worst first), those pending and those muted by a silence or an inhibition, the console's own alerts, every
/// service with its state from <see cref="ServiceHealthModel"/>, the targets that stopped answering, the active
/// silences and maintenance windows, and each capability's attention items.
/// </summary>
public sealed record StatusBoardSnapshot(
    DateTimeOffset At,
    long Signature,
    IReadOnlyList<AlertView> Firing,
    IReadOnlyList<AlertView> Pending,
    IReadOnlyList<AlertView> Muted,
    IReadOnlyList<ConsoleAlert> ConsoleAlerts,
    IReadOnlyList<ServiceHealth> Services,
    IReadOnlyList<TargetHealth> TargetsDown,
    IReadOnlyList<SilenceView> Silences,
    IReadOnlyList<AttentionSection> Attention)
{
    /// <summary>The board keeping only the sections the viewer may see (<paramref name="canSee"/> takes a policy name).</summary>
    public StatusBoardSnapshot VisibleTo(Func<string, bool> canSee)
    {
        ArgumentNullException.ThrowIfNull(canSee);
        return this with { Attention = [.. Attention.Where(s => canSee(s.Policy))] };
    }

    /// <summary>Nothing notifies, no service is critical, warning or stale, no target is down, no item needs attention.</summary>
    public bool AllClear =>
        Firing.Count == 0 && ConsoleAlerts.Count == 0 && TargetsDown.Count == 0
        && Services.All(s => s.State is ServiceState.Healthy or ServiceState.NoData)
        && Attention.All(s => s.Items.Count == 0);

    /// <summary>The worst of everything on the board, as one word for the page title and the wall: critical, warning or ok.</summary>
    public string Worst =>
        Firing.Any(a => SeverityRank.Of(a.Severity) <= SeverityRank.Error) || ConsoleAlerts.Any(a => a.Severity == ConsoleAlertSeverity.Critical)
        || Services.Any(s => s.State == ServiceState.Critical) || Attention.Any(s => s.Items.Any(i => i.Level == AttentionLevel.Critical)) ? "critical"
        : AllClear ? "ok"
        : "warning";
}

/// <summary>
/// The status board's store: builds <see cref="StatusBoardSnapshot"/> on demand (cheap: in-memory stores only) and tells
/// pages when any part may have changed. New capabilities add sections by registering an <see cref="IAttentionSource"/>;
/// the board and its page never change for them.
/// </summary>
public sealed class StatusBoard(
    AlertStore alerts,
    ConsoleAlertBoard consoleAlerts,
    ServiceOverview services,
    IEnumerable<IAttentionSource> sources,
    TimeProvider time)
{
    private readonly IAttentionSource[] _sources = [.. sources];

    public StatusBoardSnapshot Current => At(time.GetUtcNow());

    /// <summary>The board at <paramref name="now"/> (staleness and ages advance with the clock even without events).</summary>
    public StatusBoardSnapshot At(DateTimeOffset now)
    {
        var alertView = alerts.Current;
        var open = SeverityRank.Ordered(alertView.Alerts.Where(a => a.State != AlertState.Resolved)).ToList();
        var health = ServiceHealthModel.Evaluate(services.Services, open, now);
        var down = health.Where(h => h.Service.Health.Scrapes > 0 && h.Service.DataStateAt(now) == ServiceState.Stale).Select(h => h.Service.Health).ToList();
        var silences = alertView.Silences
            .Where(s => s.State == SilenceState.Active)
            .OrderByDescending(s => s.Silence.Maintenance)
            .ThenBy(s => s.Silence.EndsAt)
            .ToList();
        var attention = _sources.Select(s => new AttentionSection(s.Section, s.Policy, s.Items)).ToList();
        return new StatusBoardSnapshot(
            now,
            Signature(alertView.Version, health, down, attention),
            [.. open.Where(a => a.Notifies)],
            [.. open.Where(a => a.State == AlertState.Pending)],
            [.. open.Where(a => a.State == AlertState.Firing && !a.Notifies)],
            consoleAlerts.Active,
            health,
            down,
            silences,
            attention);
    }

    /// <summary>
    /// Calls <paramref name="onChanged"/> after alerts, the console's alerts, a service, a target or an attention source
    /// changed (each throttled by its store). If the board already differs from <paramref name="seenSignature"/> when
    /// the subscription starts, it calls at once, so nothing between the page's read and its subscription is missed.
    /// </summary>
    public IDisposable OnChanged(long seenSignature, Func<Task> onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        var subscription = new Subscriptions(
        [
            alerts.OnAlertsChanged(onChanged),
            consoleAlerts.OnChanged(consoleAlerts.Version, onChanged),
            services.OnServicesChanged(onChanged), // after every scrape, failed ones included
            .. _sources.Select(s => s.OnChanged(onChanged)),
        ]);
        if (Current.Signature != seenSignature)
        {
            _ = onChanged();
        }

        return subscription;
    }

    /// <summary>What a viewer would see change: the alert view's version, each service's state and data time, the
    /// targets down, the console's alerts and every attention item.</summary>
    private long Signature(long alertVersion, IReadOnlyList<ServiceHealth> health, IReadOnlyList<TargetHealth> down, IReadOnlyList<AttentionSection> attention)
    {
        var hash = new HashCode();
        hash.Add(alertVersion);
        hash.Add(consoleAlerts.Version);
        foreach (var s in health)
        {
            hash.Add(s.Name);
            hash.Add(s.State);
            hash.Add(s.Service.LastData);
        }

        foreach (var t in down)
        {
            hash.Add(t.Name);
            hash.Add(t.LastError);
        }

        foreach (var section in attention)
        {
            foreach (var item in section.Items)
            {
                hash.Add(item);
            }
        }

        return hash.ToHashCode();
    }
}
