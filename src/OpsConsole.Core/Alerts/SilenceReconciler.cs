using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// Keeps each current alert's stored "silenced by" in step with the silences active now, writing a silenced or
/// unsilenced timeline entry for each change. Runs in a silence command's own transaction (create, expire, extend)
/// and on a timer when a silence starts or ends by itself. Each row changes by a conditional update on its previous
/// value, so two instances reconciling at once write each entry once.
/// </summary>
internal static class SilenceReconciler
{
    /// <summary>Alerts that are firing and no longer silenced (their groups are notified), and the ids that changed.</summary>
    public static async Task<(List<LabelSet> Unsilenced, List<long> Changed)> ReconcileAsync(
        ConsoleDbContext db, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        now = now.ToUniversalTime();
        var silences = (await db.Set<StoredSilence>().AsNoTracking().Where(s => s.StartsAt <= now && s.EndsAt > now).ToListAsync(cancellationToken))
            .Select(Silence.From).ToList();
        var rows = await db.Set<StoredAlert>().AsNoTracking().Where(a => a.State != "resolved").OrderBy(a => a.Id).ToListAsync(cancellationToken);
        var byId = silences.ToDictionary(s => s.Id);
        var unsilenced = new List<LabelSet>();
        var changed = new List<long>();
        foreach (var row in rows)
        {
            var labels = AlertText.ParseLabels(row.Labels);
            var matching = silences.Where(s => s.Matches(labels)).Select(s => s.Id).Order().ToArray();
            var previous = row.SilencedBy.Order().ToArray();
            if (matching.SequenceEqual(previous))
            {
                continue;
            }

            var old = row.SilencedBy;
            var updated = await db.Database.ExecuteSqlAsync(
                $"UPDATE console.alerts SET silenced_by = {matching}, updated_at = {now} WHERE id = {row.Id} AND state <> 'resolved' AND silenced_by = {old}",
                cancellationToken);
            if (updated == 0)
            {
                continue; // changed meanwhile (another instance reconciled it, or it resolved)
            }

            changed.Add(row.Id);
            foreach (var id in matching.Except(previous))
            {
                db.Add(new AlertTimelineEntry
                {
                    AlertId = row.Id, At = now, Kind = AlertTimelineKinds.Silenced, Actor = actor, SilenceId = id, Text = byId[id].Comment,
                });
            }

            foreach (var id in previous.Except(matching))
            {
                db.Add(new AlertTimelineEntry { AlertId = row.Id, At = now, Kind = AlertTimelineKinds.Unsilenced, Actor = actor, SilenceId = id });
            }

            if (matching.Length == 0 && row.State == "firing")
            {
                unsilenced.Add(labels);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return (unsilenced, changed);
    }
}
