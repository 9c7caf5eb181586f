using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Data;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Api;

/// <summary>
/// Inventory rows (with small files) for the role matrix: one newest verified backup per given database, and older ones
/// in the first database that may be deleted. Written directly: the matrix checks who may call, not pg_dump.
/// </summary>
internal static class MatrixBackups
{
    public static async Task<(IReadOnlyList<Guid> Newest, IReadOnlyList<Guid> Older)> ArrangeAsync(TestConsole console, IReadOnlyList<string> databases, int deletable)
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

        for (var i = 1; i <= deletable; i++)
        {
            older.Add(Row(databases[0], now.AddHours(-i)).Id);
        }

        await db.SaveChangesAsync();
        return (newest, older);
    }
}
