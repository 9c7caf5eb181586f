using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>Silences as listed: active and pending ones, those expired within Alerts:RecentlyExpiredSilences, and the maintenance windows active now.</summary>
public sealed record SilenceListing(IReadOnlyList<SilenceView> Silences, IReadOnlyList<Silence> ActiveMaintenanceWindows);

/// <summary>
/// Silences: list (<see cref="ConsolePolicies.AlertsRead"/>), create, expire early and extend
/// (<see cref="ConsolePolicies.AlertsAct"/>). Each change is audited in its own transaction together with the silenced
/// and unsilenced entries it writes on the alerts' timelines, and published live.
/// </summary>
public sealed class SilenceService(
    ConsoleDbContext db,
    AuditedActions actions,
    AlertStore store,
    NotificationSignal notifications,
    IOptions<AlertStoreOptions> options,
    TimeProvider time)
{
    public async Task<SilenceListing> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsRead, "read"), cancellationToken);
        var now = Now();
        var since = now - options.Value.RecentlyExpiredSilences;
        var rows = await db.Set<StoredSilence>().AsNoTracking().Where(s => s.EndsAt > since).ToListAsync(cancellationToken);
        var views = rows.Select(r => View(Silence.From(r), now))
            .OrderBy(v => v.State switch { SilenceState.Active => 0, SilenceState.Pending => 1, _ => 2 })
            .ThenBy(v => v.State == SilenceState.Expired ? now - v.Silence.EndsAt : v.Silence.EndsAt - now)
            .ToList();
        return new SilenceListing(views, [.. views.Where(v => v.State == SilenceState.Active && v.Silence.Maintenance).Select(v => v.Silence)]);
    }

    public async Task<SilenceView?> GetAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsRead, "read"), cancellationToken);
        var row = await db.Set<StoredSilence>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return row is null ? null : View(Silence.From(row), Now());
    }

    public async Task<SilenceView> CreateAsync(ClaimsPrincipal caller, SilenceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "create"), cancellationToken);
        var now = Now();
        var (matchers, startsAt, endsAt, comment) = SilenceValidation.Validate(request, now);
        var row = new StoredSilence
        {
            Id = Guid.NewGuid(),
            Matchers = JsonSerializer.Serialize(matchers, AlertStoreModel.Json),
            StartsAt = startsAt.ToUniversalTime(),
            EndsAt = endsAt.ToUniversalTime(),
            Comment = comment,
            CreatedBy = NameOf(caller),
            CreatedAt = now,
            Maintenance = request.Maintenance,
            UpdatedAt = now,
        };
        await ChangeAsync(caller, row.Id, "silences.created", async () =>
        {
            db.Add(row);
            await db.SaveChangesAsync(cancellationToken);
            return row;
        }, s => Details(s), cancellationToken);
        return View(Silence.From(row), now);
    }

    /// <summary>Ends the silence now (a pending one never starts). An expired silence stays as it is.</summary>
    public async Task<SilenceView> ExpireAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "expire"), cancellationToken);
        var now = Now();
        var row = await ChangeAsync(caller, id, "silences.expired", async () =>
        {
            var found = await LockAsync(id, cancellationToken);
            if (found.EndsAt <= now)
            {
                return null;
            }

            found.EndsAt = now;
            if (found.StartsAt > now)
            {
                found.StartsAt = now;
            }

            found.ExpiredBy = NameOf(caller);
            found.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            return found;
        }, s => Details(s), cancellationToken);
        return View(Silence.From(row), now);
    }

    /// <summary>Moves the end of an active or pending silence: to <paramref name="endsAt"/>, or <paramref name="duration"/> past its current end.</summary>
    public async Task<SilenceView> ExtendAsync(ClaimsPrincipal caller, Guid id, DateTimeOffset? endsAt, TimeSpan? duration, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Rule(ConsolePolicies.AlertsAct, "extend"), cancellationToken);
        var now = Now();
        DateTimeOffset? previousEnd = null;
        var row = await ChangeAsync(caller, id, "silences.extended", async () =>
        {
            var found = await LockAsync(id, cancellationToken);
            if (found.EndsAt <= now)
            {
                throw AlertRequestException.Conflict("The silence has expired; create a new one.");
            }

            var end = SilenceValidation.ValidateExtension(Silence.From(found), endsAt?.ToUniversalTime(), duration, now);
            previousEnd = found.EndsAt;
            found.EndsAt = end.ToUniversalTime();
            found.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            return found;
        }, s => Details(s, ("previousEndsAt", previousEnd?.ToString("O", System.Globalization.CultureInfo.InvariantCulture))), cancellationToken);
        return View(Silence.From(row), now);
    }

    /// <summary>
    /// One audited transaction: the change (null: nothing to do, the current row is returned), the alerts' silenced
    /// state reconciled with timeline entries by the caller, notifications for alerts that are no longer silenced.
    /// </summary>
    private async Task<StoredSilence> ChangeAsync(
        ClaimsPrincipal caller, Guid id, string action, Func<Task<StoredSilence?>> change,
        Func<StoredSilence, Dictionary<string, string?>> details, CancellationToken cancellationToken)
    {
        var queued = false;
        var row = await actions.RunAsync(caller, async act =>
        {
            var changed = await change();
            if (changed is null)
            {
                act.Publish(AlertTopics.Changed, new AlertsChanged("silences", [], id));
                return await db.Set<StoredSilence>().AsNoTracking().SingleAsync(s => s.Id == id, cancellationToken);
            }

            var (unsilenced, changedIds) = await SilenceReconciler.ReconcileAsync(db, NameOf(caller), Now(), cancellationToken);
            var receivers = options.Value.ParsedReceivers();
            if (unsilenced.Count > 0 && receivers.Count > 0)
            {
                queued = await NotificationQueue.EnqueueAsync(db, receivers, unsilenced, Now(), cancellationToken) > 0;
            }

            await act.RecordAsync(action, "silence", id.ToString(), details(changed));
            act.Publish(AlertTopics.Changed, new AlertsChanged("silences", changedIds.Count <= AlertTopics.MaxIdsPerEvent ? changedIds : [], id));
            return changed;
        }, cancellationToken);
        if (queued)
        {
            notifications.Signal();
        }

        return row;
    }

    private async Task<StoredSilence> LockAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.Set<StoredSilence>().FromSql($"SELECT * FROM console.silences WHERE id = {id} FOR UPDATE").AsTracking().ToListAsync(cancellationToken))
            .FirstOrDefault() ?? throw AlertRequestException.NotFound("silence");

    private SilenceView View(Silence silence, DateTimeOffset now)
    {
        var state = silence.StateAt(now);
        var matched = state == SilenceState.Expired ? 0 : store.Current.Alerts.Count(a => a.State != AlertState.Resolved && silence.Matches(a.Labels));
        return new SilenceView(silence, state, matched);
    }

    private static Dictionary<string, string?> Details(StoredSilence row, params (string Key, string? Value)[] more)
    {
        var silence = Silence.From(row);
        var details = new Dictionary<string, string?>
        {
            ["matchers"] = "{" + string.Join(", ", silence.Matchers.Select(m => m.ToString())) + "}",
            ["startsAt"] = row.StartsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["endsAt"] = row.EndsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["comment"] = row.Comment,
            ["maintenance"] = row.Maintenance ? "true" : "false",
        };
        foreach (var (key, value) in more)
        {
            details[key] = value;
        }

        return details;
    }

    /// <summary>Who may read or change silences; a refusal is audited as <c>silences.access</c> and says what was refused.</summary>
    private static AccessRule Rule(string policy, string what) =>
        new(policy, "silences.access", "silence", $"Your roles do not allow you to {what} silences.");

    private DateTimeOffset Now() => time.GetUtcNow().ToUniversalTime();

    private static string NameOf(ClaimsPrincipal caller) => caller.Identity?.Name ?? "unknown";
}
