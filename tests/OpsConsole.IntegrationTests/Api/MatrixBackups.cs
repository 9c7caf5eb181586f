using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.Core.Restores;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Api;

/// <summary>
/// Inventory rows (with small files) for the role matrix: one newest verified backup per given database, and in each
/// database of a second list a newest one and an older one that may be deleted (each deletion is an operation on its
/// own database, so none waits for another). Written directly: the matrix checks who may call, not pg_dump.
/// </summary>
internal static class MatrixBackups
{
    public static async Task<(IReadOnlyList<Guid> Newest, IReadOnlyList<Guid> Older)> ArrangeAsync(TestConsole console, IReadOnlyList<string> databases, IReadOnlyList<string> deletable)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var storage = scope.ServiceProvider.GetRequiredService<BackupStorage>();
        var now = DateTimeOffset.UtcNow;
        var newest = new List<Guid>();
        var older = new List<Guid>();
        StoredBackup Row(string database, DateTimeOffset at)
        {
            var row = new StoredBackup
            {
                Id = Guid.CreateVersion7(at),
                Database = database,
                Purpose = BackupPurposes.Manual,
                StartedAt = at,
                CompletedAt = at,
                FileName = $"{database}-{at.UtcTicks}.dump",
                SizeBytes = 4,
                Sha256 = new string('0', 64),
                PgDumpVersion = "15",
                ServerVersion = "15",
                Verified = true,
                VerifiedAt = at,
            };
            File.WriteAllBytes(Path.Combine(storage.FolderOf(database), row.FileName), [1, 2, 3, 4]);
            db.Backups.Add(row);
            return row;
        }

        foreach (var database in databases)
        {
            newest.Add(Row(database, now).Id);
        }

        foreach (var database in deletable)
        {
            Row(database, now);
            older.Add(Row(database, now.AddHours(-1)).Id);
        }

        await db.SaveChangesAsync();
        return (newest, older);
    }

    /// <summary>A plan on <paramref name="shown"/> (for reading) and one per database of <paramref name="databases"/> (to run), made by an Sre.</summary>
    public static async Task<(Guid Shown, IReadOnlyList<(string Database, Guid Plan)> Plans)> PlanAsync(TestConsole console, string shown, IReadOnlyList<string> databases)
    {
        var sre = TestPrincipals.Of("matrix-planner", ConsoleRoles.Sre);
        async Task<Guid> Plan(string database)
        {
            await using var scope = console.Services.CreateAsyncScope();
            var plan = await scope.ServiceProvider.GetRequiredService<RestoreService>().PlanAsync(sre, database, new RestorePlanRequest());
            return plan.Problems.Count == 0 ? plan.Id : throw new InvalidOperationException($"the matrix plan of {database} has problems: {string.Join("; ", plan.Problems)}");
        }

        var shownId = await Plan(shown);
        var plans = new List<(string, Guid)>();
        foreach (var database in databases)
        {
            plans.Add((database, await Plan(database)));
        }

        return (shownId, plans);
    }

    /// <summary>A finished restore to read on <paramref name="shown"/>, and one per database that can be swapped back (rows only: the swap back then fails, the call is what counts).</summary>
    public static async Task<(Guid Shown, IReadOnlyList<(string Database, Guid Restore)> Restores)> RestoredAsync(TestConsole console, string shown, IReadOnlyList<string> databases)
    {
        await using var scope = console.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var now = DateTimeOffset.UtcNow;
        StoredRestore Row(string database) => new()
        {
            Id = Guid.CreateVersion7(now),
            PlanId = Guid.NewGuid(),
            Database = database,
            Mode = RestoreModes.Replace,
            BackupId = Guid.NewGuid(),
            Phase = RestorePhases.Done,
            RequestedBy = "matrix",
            RequestedAt = now,
            SwappedAt = now,
            SetAside = $"matrix__before_{now:yyyyMMddHHmmss}",
            KeepUntil = now.AddHours(24),
        };
        var shownRow = Row(shown);
        db.Restores.Add(shownRow);
        var rows = databases.Select(d => (d, Row(d))).ToList();
        db.Restores.AddRange(rows.Select(r => r.Item2));
        await db.SaveChangesAsync();
        return (shownRow.Id, [.. rows.Select(r => (r.d, r.Item2.Id))]);
    }
}
