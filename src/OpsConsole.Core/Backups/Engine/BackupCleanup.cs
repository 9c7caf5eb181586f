using Npgsql;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// What a console that died mid-operation leaves behind, removed at the next start (the restart sweep): partial dump
/// files, and scratch databases of drills (and of restores, when the restore issue asks for them).
/// </summary>
public static class BackupCleanup
{
    /// <summary>Deletes every <c>*.dump.partial</c> directly in <paramref name="directory"/>; returns their paths. A missing directory has none.</summary>
    public static IReadOnlyList<string> DeletePartialFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var deleted = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*" + PgDump.PartialExtension, SearchOption.TopDirectoryOnly))
        {
            File.Delete(path);
            deleted.Add(path);
        }

        return deleted;
    }

    /// <summary>Drops the drill scratch databases of the connection string's database; returns their names.</summary>
    public static Task<IReadOnlyList<string>> DropScratchDatabasesAsync(string connectionString, CancellationToken ct) =>
        DropScratchDatabasesAsync(connectionString, [ScratchPurpose.Drill], ct);

    /// <summary>
    /// Drops the scratch databases of the connection string's database made for <paramref name="purposes"/>.
    /// <see cref="ScratchPurpose.Before"/> is refused: it is the copy a restore set aside, the way back, and only a
    /// person may drop it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DropScratchDatabasesAsync(string connectionString, IEnumerable<ScratchPurpose> purposes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(purposes);
        var wanted = purposes.Distinct().ToList();
        if (wanted.Contains(ScratchPurpose.Before))
        {
            throw new ArgumentException("The databases a restore set aside (__before_) are never dropped automatically.", nameof(purposes));
        }

        var source = EngineConnections.Parse(connectionString);
        var database = source.Database ?? source.Username ?? "";
        var maintenance = EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase);
        var names = new List<string>();
        await using (var admin = await EngineConnections.OpenAsync(maintenance, ct))
        {
            // Filtered here by the exact naming rule (a LIKE pattern would read the '_' in the names as a wildcard).
            await using var list = new NpgsqlCommand("SELECT datname FROM pg_database ORDER BY 1", admin);
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var name = reader.GetString(0);
                if (wanted.Any(p => ScratchDatabaseName.IsScratchOf(name, database, p)))
                {
                    names.Add(name);
                }
            }
        }

        foreach (var name in names)
        {
            await DropDatabaseAsync(maintenance, name, ct);
        }

        return names;
    }

    /// <summary>DROP DATABASE IF EXISTS … WITH (FORCE): sessions still connected (a killed pg_restore's) are ended.</summary>
    internal static async Task DropDatabaseAsync(NpgsqlConnectionStringBuilder maintenance, string name, CancellationToken ct)
    {
        await using var admin = await EngineConnections.OpenAsync(maintenance, ct);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {TableKey.QuoteIdentifier(name)} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync(ct);
    }
}
