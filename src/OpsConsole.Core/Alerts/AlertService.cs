using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Alerts;

/// <summary>A search of current and past alerts: states, label matchers, a time range the alert overlaps, a source.</summary>
public sealed record AlertSearch(
    IReadOnlyList<AlertState>? States = null,
    IReadOnlyList<LabelMatcher>? Matchers = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    AlertSource? Source = null)
{
    public static AlertSearch All { get; } = new();

    /// <summary>From the API's text: <c>state</c> (comma-separated), <c>filter</c> matchers (Alertmanager's text form), RFC 3339 times.</summary>
    public static AlertSearch Parse(string? state, IEnumerable<string?>? filters, string? from, string? to, string? source)
    {
        List<AlertState>? states = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            states = [];
            foreach (var part in state.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                states.Add(AlertText.TryParseState(part)
                    ?? throw AlertRequestException.Invalid("state", $"\"{part}\" is not a state (firing, pending or resolved)."));
            }
        }

        var matchers = new List<LabelMatcher>();
        var index = 0;
        foreach (var filter in filters ?? [])
        {
            try
            {
                matchers.Add(AlertMatchers.Parse(filter));
            }
            catch (AlertMatcherException ex)
            {
                throw AlertRequestException.Invalid($"filter[{index}]", ex.Message);
            }

            index++;
        }

        var parsedSource = string.IsNullOrWhiteSpace(source)
            ? (AlertSource?)null
            : AlertText.TryParseSource(source) ?? throw AlertRequestException.Invalid("source", $"\"{source}\" is not a source (rule, alertmanager or console).");
        var fromTime = Time(from, "from");
        var toTime = Time(to, "to");
        if (fromTime is { } f && toTime is { } t && t <= f)
        {
            throw AlertRequestException.Invalid("to", "\"to\" must be after \"from\".");
        }

        return new AlertSearch(states, matchers, fromTime, toTime, parsedSource);
    }

    private static DateTimeOffset? Time(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : throw AlertRequestException.Invalid(field, $"\"{text}\" is not a time (RFC 3339, e.g. 2026-01-31T12:00:00Z).");
    }
}

/// <summary>One page of alerts, newest first; pass <see cref="NextCursor"/> for the next (null: no more).</summary>
public sealed record AlertPage(IReadOnlyList<AlertView> Items, long? NextCursor);

/// <summary>One page of the delivery log, newest first.</summary>
public sealed record AlertDeliveryPage(IReadOnlyList<AlertDelivery> Items, long? NextCursor);

/// <summary>
/// Alerts for people: search and history (<see cref="ConsolePolicies.AlertsRead"/>), and taking ownership —
/// acknowledge, unacknowledge, resolve by hand (ingested and console alerts), notes (<see cref="ConsolePolicies.AlertsAct"/>).
/// Each action checks the policy itself, writes its timeline entry and audit record in one transaction, and is
/// published live so every open page on every instance shows it.
/// </summary>
public sealed class AlertService(
    ConsoleDbContext db,
    AuditedActions actions,
    AlertStore store,
    NotificationSignal notifications,
    IOptions<AlertStoreOptions> options,
    TimeProvider time)
{
    public const int MaxPageSize = 500;
    private const int ScanBatch = 500;
    private const int MaxScanned = 20_000;

    public async Task<AlertPage> SearchAsync(ClaimsPrincipal caller, AlertSearch search, long? cursor = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsRead, "read"), cancellationToken);
        if (limit is < 1 or > MaxPageSize)
        {
            throw AlertRequestException.Invalid("limit", $"limit must be between 1 and {MaxPageSize}.");
        }

        var query = db.Set<StoredAlert>().AsNoTracking();
        if (search.States is { Count: > 0 } states)
        {
            var texts = states.Select(AlertText.Of).Distinct().ToArray();
            query = query.Where(a => texts.Contains(a.State));
        }

        if (search.Source is { } source)
        {
            var text = AlertText.Of(source);
            query = query.Where(a => a.Source == text);
        }

        if (search.From is { } from)
        {
            query = query.Where(a => a.ResolvedAt == null || a.ResolvedAt >= from);
        }

        if (search.To is { } to)
        {
            query = query.Where(a => a.ActiveAt < to);
        }

        var matchers = search.Matchers ?? [];
        var exact = matchers.Where(m => m.Op == MatchOp.Equal && m.Value.Length > 0).ToList();
        if (exact.Count > 0)
        {
            // Equality matchers narrow the scan in the database (GIN on labels); the rest are applied here.
            var contained = AlertText.Json(exact.Select(m => new KeyValuePair<string, string>(m.Name, m.Value)).DistinctBy(p => p.Key));
            query = query.Where(a => EF.Functions.JsonContains(a.Labels, contained));
        }

        var found = new List<StoredAlert>();
        var scanned = 0;
        var last = cursor;
        var exhausted = false;
        while (found.Count <= limit && scanned < MaxScanned)
        {
            var below = last;
            var batch = await query.Where(a => below == null || a.Id < below).OrderByDescending(a => a.Id).Take(ScanBatch).ToListAsync(cancellationToken);
            foreach (var row in batch)
            {
                scanned++;
                last = row.Id;
                if (matchers.Count == 0 || AlertMatchers.MatchesAll(matchers, AlertText.ParseLabels(row.Labels)))
                {
                    found.Add(row);
                    if (found.Count > limit)
                    {
                        break;
                    }
                }
            }

            if (batch.Count < ScanBatch && found.Count <= limit)
            {
                exhausted = true;
                break;
            }
        }

        var items = found.Take(limit).Select(View).ToList();
        long? next = found.Count > limit ? items[^1].Id : exhausted ? null : last;
        return new AlertPage(items, next);
    }

    public async Task<AlertDetail?> GetAsync(ClaimsPrincipal caller, long id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsRead, "read"), cancellationToken);
        var row = await db.Set<StoredAlert>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        return row is null ? null : await DetailAsync(row, cancellationToken);
    }

    /// <summary>Takes ownership: who and since when is shown to everyone; acknowledging again replaces the note (or the owner).</summary>
    public async Task<AlertDetail> AcknowledgeAsync(ClaimsPrincipal caller, long id, string? note, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "acknowledge"), cancellationToken);
        var text = OptionalText(note, "note");
        return await ActAsync(caller, id, async (row, act) =>
        {
            if (row.State == "resolved")
            {
                throw AlertRequestException.Conflict("The alert is resolved; there is nothing to acknowledge.");
            }

            var who = NameOf(caller);
            if (row.AckBy == who && text is null)
            {
                return false;
            }

            var previous = row.AckBy;
            row.AckBy = who;
            row.AckAt = Now();
            row.AckNote = text;
            row.UpdatedAt = Now();
            Timeline(row, AlertTimelineKinds.Acknowledged, who, text);
            await RecordAsync(act, "alerts.acknowledged", row, ("note", text), ("previousOwner", previous));
            return true;
        }, cancellationToken);
    }

    public async Task<AlertDetail> UnacknowledgeAsync(ClaimsPrincipal caller, long id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "unacknowledge"), cancellationToken);
        return await ActAsync(caller, id, async (row, act) =>
        {
            if (row.AckBy is null)
            {
                return false;
            }

            var previous = row.AckBy;
            row.AckBy = null;
            row.AckAt = null;
            row.AckNote = null;
            row.UpdatedAt = Now();
            Timeline(row, AlertTimelineKinds.Unacknowledged, NameOf(caller), null);
            await RecordAsync(act, "alerts.unacknowledged", row, ("previousOwner", previous));
            return true;
        }, cancellationToken);
    }

    /// <summary>Resolves an ingested or console alert that will never resolve by itself; rule alerts resolve when their condition ends.</summary>
    public async Task<AlertDetail> ResolveAsync(ClaimsPrincipal caller, long id, string? note = null, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "resolve"), cancellationToken);
        var text = OptionalText(note, "note");
        var notify = new List<LabelSet>();
        var detail = await ActAsync(caller, id, async (row, act) =>
        {
            if (row.Source == AlertText.Of(AlertSource.Rule))
            {
                throw AlertRequestException.Conflict("Alerts from the console's rules resolve when their condition stops holding; silence the alert instead.");
            }

            if (row.State == "resolved")
            {
                return false;
            }

            var before = row.State;
            var who = NameOf(caller);
            row.State = "resolved";
            row.ResolvedAt = Now();
            row.ResolvedBy = who;
            row.UpdatedAt = Now();
            db.Add(new AlertTimelineEntry
            {
                AlertId = row.Id, At = Now(), Kind = AlertTimelineKinds.ResolvedManually, Actor = who, FromState = before, ToState = "resolved", Text = text,
            });
            await RecordAsync(act, "alerts.resolved_manually", row, ("note", text), ("from", before));
            if (before == "firing" && row.SilencedBy.Length == 0)
            {
                notify.Add(AlertText.ParseLabels(row.Labels));
                await NotificationQueue.EnqueueAsync(db, options.Value.ParsedReceivers(), notify, Now(), cancellationToken);
            }

            return true;
        }, cancellationToken);
        if (notify.Count > 0)
        {
            notifications.Signal();
        }

        return detail;
    }

    public async Task<AlertDetail> AddNoteAsync(ClaimsPrincipal caller, long id, string? text, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "add a note to"), cancellationToken);
        var note = OptionalText(text, "text") ?? throw AlertRequestException.Invalid("text", "A note needs some text.");
        return await ActAsync(caller, id, async (row, act) =>
        {
            row.UpdatedAt = Now();
            Timeline(row, AlertTimelineKinds.Note, NameOf(caller), note);
            await RecordAsync(act, "alerts.note_added", row, ("text", note));
            return true;
        }, cancellationToken);
    }

    /// <summary>The outward delivery log, newest first (optionally one receiver's).</summary>
    public async Task<AlertDeliveryPage> DeliveriesAsync(ClaimsPrincipal caller, string? receiver = null, long? cursor = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsRead, "read"), cancellationToken);
        if (limit is < 1 or > MaxPageSize)
        {
            throw AlertRequestException.Invalid("limit", $"limit must be between 1 and {MaxPageSize}.");
        }

        var query = db.Set<AlertNotification>().AsNoTracking();
        if (!string.IsNullOrWhiteSpace(receiver))
        {
            query = query.Where(n => n.Receiver == receiver);
        }

        if (cursor is { } below)
        {
            query = query.Where(n => n.Id < below);
        }

        var rows = await query.OrderByDescending(n => n.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(n => new AlertDelivery(
            n.Id, n.Receiver, n.GroupKey, n.Status, n.CreatedAt, n.CompletedAt, n.Attempts, n.HttpStatus, n.Error, n.AlertCount, n.PayloadStatus)).ToList();
        return new AlertDeliveryPage(items, rows.Count > limit ? items[^1].Id : null);
    }

    /// <summary>Runs an action on the locked alert in one audited transaction; publishes it when it changed something.</summary>
    private async Task<AlertDetail> ActAsync(ClaimsPrincipal caller, long id, Func<StoredAlert, AuditedWork, Task<bool>> action, CancellationToken cancellationToken)
    {
        var row = await actions.RunAsync(caller, async act =>
        {
            var locked = (await db.Set<StoredAlert>().FromSql($"SELECT * FROM console.alerts WHERE id = {id} FOR UPDATE").AsTracking().ToListAsync(cancellationToken))
                .FirstOrDefault() ?? throw AlertRequestException.NotFound("alert");
            if (await action(locked, act))
            {
                await db.SaveChangesAsync(cancellationToken);
                act.Publish(AlertTopics.Changed, AlertTopics.AlertsEvent([locked.Id]));
            }

            return locked;
        }, cancellationToken);
        return await DetailAsync(row, cancellationToken);
    }

    private async Task<AlertDetail> DetailAsync(StoredAlert row, CancellationToken cancellationToken)
    {
        var timeline = await db.Set<AlertTimelineEntry>().AsNoTracking()
            .Where(e => e.AlertId == row.Id)
            .OrderBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return new AlertDetail(View(row), [.. timeline.Select(e => new AlertTimelineItem(
            e.Id, e.At, e.Kind, e.Actor,
            e.FromState is null ? null : AlertText.ParseState(e.FromState),
            e.ToState is null ? null : AlertText.ParseState(e.ToState),
            e.Text, e.SilenceId))]);
    }

    /// <summary>
    /// A stored alert (its silences as last reconciled: a silence command updates them in its own transaction) with
    /// the live view's inhibition and newest rule value while it is current.
    /// </summary>
    private AlertView View(StoredAlert row)
    {
        var stored = AlertView.From(row);
        if (stored.State == AlertState.Resolved || store.Current.Find(row.Id) is not { } live)
        {
            return stored;
        }

        return stored.Source == AlertSource.Rule
            ? stored with { InhibitedBy = live.InhibitedBy, Value = live.Value ?? stored.Value, Annotations = live.Annotations }
            : stored with { InhibitedBy = live.InhibitedBy };
    }

    private void Timeline(StoredAlert row, string kind, string actor, string? text) =>
        db.Add(new AlertTimelineEntry { AlertId = row.Id, At = Now(), Kind = kind, Actor = actor, Text = text });

    private static Task RecordAsync(AuditedWork act, string action, StoredAlert row, params (string Key, string? Value)[] details) =>
        act.RecordAsync(action, "alert", row.Id.ToString(CultureInfo.InvariantCulture),
            [("alertname", row.Name), ("source", row.Source), ("fingerprint", row.Fingerprint), .. details]);

    /// <summary>Who may read or act on alerts; a refusal is audited as <c>alerts.access</c> and says what was refused.</summary>
    private static AccessRule Rule(string policy, string what) =>
        new(policy, "alerts.access", "alert", $"Your roles do not allow you to {what} alerts.");

    private static string? OptionalText(string? text, string field)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return trimmed.Length > AlertLimits.NoteLength
            ? throw AlertRequestException.Invalid(field, $"The {field} is longer than {AlertLimits.NoteLength} characters.")
            : trimmed;
    }

    private DateTimeOffset Now() => time.GetUtcNow().ToUniversalTime();

    private static string NameOf(ClaimsPrincipal caller) => caller.Identity?.Name ?? "unknown";
}
