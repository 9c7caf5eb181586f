using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Backups;

/// <summary>
/// Expires a database's backups beyond its GFS policy (<see cref="GfsRetention"/>) after each successful backup: the
/// file is deleted and the inventory row kept as deleted, with why, so the history says where a backup went.
/// </summary>
public sealed class BackupRetention(ConsoleDbContext db, AuditedActions actions, BackupStorage storage, IOptions<BackupOptions> options, TimeProvider time)
{
    public async Task<int> ApplyAsync(ManagedDatabase database, IOperationContext context)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(context);
        var kept = await db.Backups.AsNoTracking()
            .Where(b => b.Database == database.Name && b.DeletedAt == null)
            .Select(b => new { b.Id, b.CompletedAt, b.Verified, b.FileName, b.Purpose })
            .ToListAsync(context.Cancellation);
        // A safety backup (taken before a restore, migration or erasure) is the way back from that action: GFS does not
        // count it, and it stays for KeepSafetyBackupsFor whatever the policy says.
        var safeUntil = time.GetUtcNow() - options.Value.KeepSafetyBackupsFor;
        var safety = kept.Where(b => BackupPurposes.IsSafety(b.Purpose) && b.CompletedAt > safeUntil).Select(b => b.Id).ToHashSet();
        if (safety.Count > 0)
        {
            context.Log($"retention leaves alone {safety.Count} safety backup(s) younger than {options.Value.KeepSafetyBackupsFor.TotalDays:0.#} days");
        }

        var decision = GfsRetention.Select(
            kept.Where(b => !safety.Contains(b.Id)).Select(b => new RetentionCandidate(b.Id.ToString(), b.CompletedAt, b.Verified)), database.Retention, database.Zone);
        var policy = database.Retention;
        var reason = $"retention: beyond keep-last {policy.KeepLast}, {policy.Daily} daily, {policy.Weekly} weekly and {policy.Monthly} monthly";
        foreach (var expired in decision.Expire)
        {
            var row = kept.Single(b => b.Id.ToString() == expired.Id);
            var path = Path.Combine(storage.Root, database.Name, row.FileName);
            File.Delete(path); // no error when already gone
            var now = time.GetUtcNow();
            await actions.RunAsync(AuditActors.System, async work =>
            {
                await db.Backups.Where(b => b.Id == row.Id && b.DeletedAt == null).ExecuteUpdateAsync(s => s
                    .SetProperty(b => b.DeletedAt, now)
                    .SetProperty(b => b.DeletedBy, "retention")
                    .SetProperty(b => b.DeleteReason, reason), CancellationToken.None);
                await work.RecordAsync("backups.expired", "backup", row.Id.ToString(), ("database", database.Name), ("file", row.FileName), ("reason", reason));
                work.Publish(BackupTopics.Changed, new BackupsChanged(database.Name));
                return true;
            }, CancellationToken.None);
            context.Log($"retention expired {row.FileName} (completed {row.CompletedAt:yyyy-MM-dd HH:mm} UTC)");
        }

        context.Log($"retention keeps {decision.Keep.Count} backup(s) of {database.Name}, expired {decision.Expire.Count}");
        return decision.Expire.Count;
    }
}
