using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>What one report changed.</summary>
public sealed record AlertRecordResult(int Received, int Changed, IReadOnlyList<long> ChangedIds);

/// <summary>
/// The alert store's writer and the <see cref="IAlertSink"/>: records state changes only (an unchanged evaluation
/// writes nothing), each with its timeline entry and audit record in one transaction, and publishes them live. Two
/// instances reporting the same change record it once: current alerts are locked (or inserted with ON CONFLICT on the
/// one-current-alert-per-fingerprint index), so the second sees the first's result and finds nothing to change.
/// </summary>
public sealed partial class AlertRecorder(
    IServiceScopeFactory scopes,
    AlertStore store,
    ILiveEvents live,
    NotificationSignal notifications,
    IOptions<AlertStoreOptions> options,
    TimeProvider time,
    ILogger<AlertRecorder> logger) : IAlertSink, IRuleAlertState
{
    public const string StateChangedAction = "alerts.state_changed";

    private const int MaxAttempts = 3;

    private static readonly TimeSpan HeldWait = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<AlertReceiver> _receivers = options.Value.ParsedReceivers();
    private readonly IReadOnlyList<InhibitRule> _inhibitRules = options.Value.InhibitRules();

    // Rule alerts whose state this instance has seen committed: an unchanged evaluation then costs no database round trip.
    // Only rule engines change rule alerts, so a confirmed state stays true until the engine reports another.
    private readonly ConcurrentDictionary<(AlertSource, string), (AlertState State, DateTimeOffset ActiveAt)> _confirmed = new();

    // What each rule held (pending or firing) at its last report: a report carries everything the rule holds, so an
    // alert missing from the next one has gone (a pending alert whose condition stopped holding vanishes silently in
    // Prometheus) and its episode is closed here. Seeded from the database at a rule's first report after a start.
    private readonly ConcurrentDictionary<string, IReadOnlyList<AlertInstance>> _held = new(StringComparer.Ordinal);

    public async Task ReportAsync(string ruleKey, IReadOnlyList<AlertInstance> alerts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        store.NoteLatest(alerts);
        var held = _held.TryGetValue(ruleKey, out var known) ? known : (await LoadHeldAsync([ruleKey], cancellationToken))[ruleKey];
        var reported = alerts.Select(a => a.Fingerprint).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var vanished = held.Where(a => !reported.Contains(a.Fingerprint))
            .Select(a => a with { State = AlertState.Resolved, ResolvedAt = now });
        var changed = alerts.Where(a => !IsConfirmed(a)).Concat(vanished).ToList();
        if (changed.Count > 0)
        {
            await RecordAsync(AuditActors.System, ruleKey, changed, externalUrl: null, cancellationToken);
        }

        _held[ruleKey] = [.. alerts.Where(a => a.State != AlertState.Resolved)];
    }

    /// <summary>
    /// The rules' unresolved alerts in the store, for a rule engine that starts (waits for the store's first load), in one
    /// query. They also seed what each rule held, so the rules' first reports need no query of their own.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<AlertInstance>>> HeldAsync(IReadOnlyCollection<string> ruleKeys, CancellationToken cancellationToken)
    {
        // At start the rule engine asks before migrations may have run; the store's first load says the schema is there.
        await store.Loaded.WaitAsync(HeldWait, time, cancellationToken);
        var held = await LoadHeldAsync(ruleKeys, cancellationToken);
        foreach (var (ruleKey, alerts) in held)
        {
            _held.TryAdd(ruleKey, alerts);
        }

        return held;
    }

    /// <summary>The rules' current (unresolved) alerts in the store, as instances: an entry for every key.</summary>
    private async Task<Dictionary<string, IReadOnlyList<AlertInstance>>> LoadHeldAsync(IReadOnlyCollection<string> ruleKeys, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var rule = AlertText.Of(AlertSource.Rule);
        var keys = ruleKeys.Distinct(StringComparer.Ordinal).ToList();
        var rows = await db.Set<StoredAlert>().AsNoTracking()
            .Where(a => a.Source == rule && keys.Contains(a.RuleKey) && a.State != "resolved")
            .ToListAsync(cancellationToken);
        var byKey = rows.ToLookup(r => r.RuleKey, StringComparer.Ordinal);
        return keys.ToDictionary(
            key => key,
            key => (IReadOnlyList<AlertInstance>)[.. byKey[key].Select(r => new AlertInstance(
                AlertSource.Rule, AlertText.ParseLabels(r.Labels), AlertText.ParseMap(r.Annotations), AlertText.ParseState(r.State),
                r.ActiveAt, r.FiredAt, null, r.Value, r.GeneratorUrl, r.Origin))],
            StringComparer.Ordinal);
    }

    /// <summary>Records the alerts' states as <paramref name="actor"/> (audited), in one transaction.</summary>
    public async Task<AlertRecordResult> RecordAsync(
        ClaimsPrincipal actor, string ruleKey, IReadOnlyList<AlertInstance> alerts, string? externalUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(alerts);
        // The last report of a fingerprint in a batch wins; the order of work is fixed so instances lock in the same order.
        var batch = alerts.GroupBy(a => (a.Source, a.Fingerprint)).Select(g => g.Last())
            .OrderBy(a => a.Source).ThenBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
                var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
                var work = new Work(db, audit, actor, ruleKey, externalUrl, time.GetUtcNow());
                await AuditedTransaction.RunAsync(db, () => ApplyAsync(work, batch, cancellationToken), cancellationToken);
                foreach (var alert in batch)
                {
                    Confirm(alert);
                }

                if (work.ChangedIds.Count > 0)
                {
                    live.Publish(AlertTopics.Changed, AlertTopics.AlertsEvent(work.ChangedIds));
                }

                if (work.Queued > 0)
                {
                    notifications.Signal();
                }

                return new AlertRecordResult(alerts.Count, work.ChangedIds.Count, [.. work.ChangedIds]);
            }
            catch (Exception ex) when (attempt < MaxAttempts && IsConcurrencyConflict(ex))
            {
                // Two instances met on the same alerts in a different order (deadlock) or raced an insert: run it again.
                LogConflictRetry(attempt, ex.GetBaseException().Message);
            }
        }
    }

    private static bool IsConcurrencyConflict(Exception ex) =>
        ex.GetBaseException() is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation };

    private bool IsConfirmed(AlertInstance alert) =>
        alert.Source == AlertSource.Rule
        && _confirmed.TryGetValue((alert.Source, alert.Fingerprint), out var confirmed)
        && confirmed.State == alert.State
        && confirmed.ActiveAt == Utc(alert.ActiveAt);

    private void Confirm(AlertInstance alert)
    {
        if (alert.Source != AlertSource.Rule)
        {
            return;
        }

        if (alert.State == AlertState.Resolved)
        {
            _confirmed.TryRemove((alert.Source, alert.Fingerprint), out _);
        }
        else
        {
            _confirmed[(alert.Source, alert.Fingerprint)] = (alert.State, Utc(alert.ActiveAt));
        }
    }

    private async Task ApplyAsync(Work work, List<AlertInstance> batch, CancellationToken cancellationToken)
    {
        var db = work.Db;
        var current = new Dictionary<(string, string), StoredAlert>();
        foreach (var group in batch.GroupBy(a => AlertText.Of(a.Source)))
        {
            var fingerprints = group.Select(a => a.Fingerprint).ToArray();
            var rows = await db.Set<StoredAlert>()
                .FromSql($"SELECT * FROM console.alerts WHERE source = {group.Key} AND fingerprint = ANY({fingerprints}) AND state <> 'resolved' ORDER BY id FOR UPDATE")
                .AsTracking()
                .ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                current[(row.Source, row.Fingerprint)] = row;
            }
        }

        var notify = new List<LabelSet>();
        foreach (var alert in batch)
        {
            var source = AlertText.Of(alert.Source);
            if (!current.TryGetValue((source, alert.Fingerprint), out var row))
            {
                row = await InsertAsync(work, alert, cancellationToken);
                if (row is null)
                {
                    continue;
                }

                if (row.Id == 0)
                {
                    // Another instance inserted it a moment ago and has committed: compare with what it wrote.
                    row = (await db.Set<StoredAlert>()
                        .FromSql($"SELECT * FROM console.alerts WHERE source = {source} AND fingerprint = {alert.Fingerprint} AND state <> 'resolved' FOR UPDATE")
                        .AsTracking()
                        .ToListAsync(cancellationToken)).FirstOrDefault();
                    if (row is null)
                    {
                        continue;
                    }
                }
                else
                {
                    if (row.State == "firing" && row.SilencedBy.Length == 0)
                    {
                        notify.Add(alert.Labels);
                    }

                    continue;
                }
            }

            var before = AlertText.ParseState(row.State);
            if (before == alert.State)
            {
                UpdateContent(row, alert, work);
                continue;
            }

            Transition(work, row, alert, before);
            var silenced = row.SilencedBy.Length > 0;
            if (!silenced && (alert.State == AlertState.Firing || (alert.State == AlertState.Resolved && before == AlertState.Firing)))
            {
                notify.Add(alert.Labels);
            }

            if (alert.State == AlertState.Resolved && before == AlertState.Firing)
            {
                notify.AddRange(ReleasedByResolve(alert.Labels));
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var entry in work.Timeline)
        {
            entry.Entry.AlertId = entry.Alert.Id;
            db.Add(entry.Entry);
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (alert, action, details) in work.AuditRecords)
        {
            work.ChangedIds.Add(alert.Id);
            await work.Audit.RecordAsync(
                new AuditEntry(work.Actor, action, "alert", alert.Id.ToString(CultureInfo.InvariantCulture), AuditOutcome.Succeeded, details),
                cancellationToken);
        }

        if (notify.Count > 0 && _receivers.Count > 0)
        {
            work.Queued += await NotificationQueue.EnqueueAsync(db, _receivers, notify, work.Now, cancellationToken);
        }
    }

    /// <summary>
    /// Inserts a new current alert (or, for a resolved Alertmanager alert never seen firing, its history row). Null:
    /// nothing to record; Id 0: another instance holds the current alert.
    /// </summary>
    private async Task<StoredAlert?> InsertAsync(Work work, AlertInstance alert, CancellationToken cancellationToken)
    {
        var db = work.Db;
        var source = AlertText.Of(alert.Source);
        var activeAt = Utc(alert.ActiveAt);
        if (alert.State == AlertState.Resolved && alert.Source != AlertSource.Alertmanager)
        {
            return null; // a rule or console alert that resolved without ever being recorded active: nothing happened here
        }

        // The same episode (fingerprint and start) resolved already, by its source or by hand: a late or repeated
        // notification must not bring it back.
        if (await db.Set<StoredAlert>().AnyAsync(
                a => a.Source == source && a.Fingerprint == alert.Fingerprint && a.ActiveAt == activeAt && a.State == "resolved", cancellationToken))
        {
            return null;
        }

        var silences = await work.ActiveSilencesAsync(cancellationToken);
        var silencedBy = alert.State == AlertState.Resolved ? [] : silences.Where(s => s.Matches(alert.Labels)).Select(s => s.Id).ToArray();
        var row = NewRow(alert, work, silencedBy);
        var ids = await db.Database.SqlQuery<long>(
                $"""
                INSERT INTO console.alerts (source, fingerprint, name, severity, labels, annotations, state, active_at, fired_at, resolved_at,
                    value, generator_url, origin, rule_key, external_url, silenced_by, updated_at)
                VALUES ({row.Source}, {row.Fingerprint}, {row.Name}, {row.Severity}, {row.Labels}::jsonb, {row.Annotations}::jsonb, {row.State},
                    {row.ActiveAt}, {row.FiredAt}, {row.ResolvedAt}, {row.Value}, {row.GeneratorUrl}, {row.Origin}, {row.RuleKey},
                    {row.ExternalUrl}, {row.SilencedBy}, {row.UpdatedAt})
                ON CONFLICT (source, fingerprint) WHERE state <> 'resolved' DO NOTHING
                RETURNING id AS "Value"
                """)
            .ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return new StoredAlert();
        }

        row.Id = ids[0];
        var actor = ActorName(work.Actor);
        work.AddTimeline(row, new AlertTimelineEntry
        {
            At = work.Now, Kind = AlertTimelineKinds.StateChanged, Actor = actor, ToState = row.State,
            Text = alert.Source == AlertSource.Alertmanager ? $"received from {alert.Origin}" : null,
        });
        foreach (var silence in silences.Where(s => silencedBy.Contains(s.Id)))
        {
            work.AddTimeline(row, new AlertTimelineEntry
            {
                At = work.Now, Kind = AlertTimelineKinds.Silenced, Actor = actor, SilenceId = silence.Id, Text = silence.Comment,
            });
        }

        work.AuditRecords.Add((row, StateChangedAction, Details(alert, null, row)));
        return row;
    }

    private static StoredAlert NewRow(AlertInstance alert, Work work, Guid[] silencedBy)
    {
        var resolvedAt = alert.State == AlertState.Resolved ? Utc(alert.ResolvedAt ?? work.Now) : (DateTimeOffset?)null;
        return new StoredAlert
        {
            Source = AlertText.Of(alert.Source),
            Fingerprint = alert.Fingerprint,
            Name = Truncate(alert.Name, 256),
            Severity = Truncate(alert.Severity, 64),
            Labels = AlertText.Json(alert.Labels.Labels),
            Annotations = AlertText.Json(alert.Annotations),
            State = AlertText.Of(alert.State),
            ActiveAt = Utc(alert.ActiveAt),
            FiredAt = alert.State == AlertState.Pending ? null : Utc(alert.FiredAt ?? alert.ActiveAt),
            ResolvedAt = resolvedAt,
            Value = alert.Value,
            GeneratorUrl = alert.GeneratorUrl,
            Origin = Truncate(alert.Origin, 1024),
            RuleKey = Truncate(work.RuleKey, 512),
            ExternalUrl = work.ExternalUrl,
            SilencedBy = silencedBy,
            UpdatedAt = work.Now,
        };
    }

    private void Transition(Work work, StoredAlert row, AlertInstance alert, AlertState before)
    {
        row.State = AlertText.Of(alert.State);
        switch (alert.State)
        {
            case AlertState.Firing:
                row.FiredAt = Utc(alert.FiredAt ?? work.Now);
                break;
            case AlertState.Resolved:
                row.ResolvedAt = Utc(alert.ResolvedAt ?? work.Now);
                break;
            case AlertState.Pending:
                row.FiredAt = null;
                break;
        }

        row.Value = alert.Value ?? row.Value;
        row.Annotations = AlertText.Json(alert.Annotations);
        row.GeneratorUrl = alert.GeneratorUrl ?? row.GeneratorUrl;
        row.ExternalUrl = work.ExternalUrl ?? row.ExternalUrl;
        row.UpdatedAt = work.Now;
        work.AddTimeline(row, new AlertTimelineEntry
        {
            At = work.Now, Kind = AlertTimelineKinds.StateChanged, Actor = ActorName(work.Actor),
            FromState = AlertText.Of(before), ToState = row.State,
        });
        work.AuditRecords.Add((row, StateChangedAction, Details(alert, before, row)));
    }

    /// <summary>Same state: an ingested alert's annotations or links may still change (no timeline entry for that).</summary>
    private static void UpdateContent(StoredAlert row, AlertInstance alert, Work work)
    {
        if (alert.Source != AlertSource.Alertmanager)
        {
            return;
        }

        var annotations = AlertText.Json(alert.Annotations);
        if (!string.Equals(AlertText.Json(AlertText.ParseMap(row.Annotations)), annotations, StringComparison.Ordinal)
            || !string.Equals(row.GeneratorUrl, alert.GeneratorUrl, StringComparison.Ordinal))
        {
            row.Annotations = annotations;
            row.GeneratorUrl = alert.GeneratorUrl;
            row.UpdatedAt = work.Now;
            work.ChangedIds.Add(row.Id);
        }
    }

    /// <summary>Firing alerts this resolved alert was inhibiting: their groups are notified again.</summary>
    private IEnumerable<LabelSet> ReleasedByResolve(LabelSet resolved)
    {
        if (_inhibitRules.Count == 0)
        {
            return [];
        }

        return store.Current.Alerts
            .Where(a => a.State == AlertState.Firing && !a.IsSilenced && _inhibitRules.Any(r => Inhibition.Inhibits(r, resolved, a.Labels)))
            .Select(a => a.Labels);
    }

    private static Dictionary<string, string?> Details(AlertInstance alert, AlertState? before, StoredAlert row) => new()
    {
        ["alertname"] = alert.Name,
        ["source"] = row.Source,
        ["fingerprint"] = row.Fingerprint,
        ["from"] = before is { } b ? AlertText.Of(b) : null,
        ["to"] = row.State,
        ["labels"] = alert.Labels.ToString(),
    };

    internal static string ActorName(ClaimsPrincipal actor) => AuditActors.Describe(actor).Name;

    /// <summary>UTC, to the microsecond PostgreSQL keeps, so a time read back compares equal to the one reported.</summary>
    internal static DateTimeOffset Utc(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert report met another instance's (attempt {Attempt}): {Reason}; retrying")]
    private partial void LogConflictRetry(int attempt, string reason);

    /// <summary>One report's unit of work: the scope's context, the actor, and what it changed.</summary>
    private sealed class Work(ConsoleDbContext db, IAuditTrail audit, ClaimsPrincipal actor, string ruleKey, string? externalUrl, DateTimeOffset now)
    {
        private IReadOnlyList<Silence>? _silences;

        public ConsoleDbContext Db { get; } = db;

        public IAuditTrail Audit { get; } = audit;

        public ClaimsPrincipal Actor { get; } = actor;

        public string RuleKey { get; } = ruleKey;

        public string? ExternalUrl { get; } = externalUrl;

        public DateTimeOffset Now { get; } = Utc(now);

        public List<(StoredAlert Alert, AlertTimelineEntry Entry)> Timeline { get; } = [];

        public List<(StoredAlert Alert, string Action, Dictionary<string, string?> Details)> AuditRecords { get; } = [];

        public HashSet<long> ChangedIds { get; } = [];

        public int Queued { get; set; }

        public void AddTimeline(StoredAlert alert, AlertTimelineEntry entry) => Timeline.Add((alert, entry));

        public async Task<IReadOnlyList<Silence>> ActiveSilencesAsync(CancellationToken cancellationToken)
        {
            if (_silences is null)
            {
                var now = Now;
                var rows = await Db.Set<StoredSilence>().AsNoTracking().Where(s => s.StartsAt <= now && s.EndsAt > now).ToListAsync(cancellationToken);
                _silences = [.. rows.Select(Silence.From)];
            }

            return _silences;
        }
    }
}
