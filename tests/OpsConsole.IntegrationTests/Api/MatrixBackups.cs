using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
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
}
