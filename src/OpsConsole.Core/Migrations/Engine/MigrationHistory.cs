using Npgsql;

namespace OpsConsole.Core.Migrations.Engine;

/// <summary>One row of the target's history table, as stored: a migration (SQL) or an undo (UNDO_SQL), successful or not.</summary>
public sealed record HistoryRow(
    int Rank, string Version, string Description, string Type, string Script, string Checksum, string InstalledBy,
    DateTimeOffset InstalledOn, int ExecutionTimeMs, bool Success, Guid? OperationId);

/// <summary>
/// The history table in each managed database, laid out like Flyway's <c>flyway_schema_history</c> (installed_rank,
/// version, description, type, script, checksum, installed_by, installed_on, execution_time, success) so anyone who
/// knows Flyway reads it; the checksum is the file's SHA-256 rather than Flyway's CRC32, and each row names the
/// console operation that wrote it.
/// </summary>
public static class MigrationHistory
{
    public const string Table = "public.opsconsole_schema_history";
    public const string MigrationType = "SQL";
    public const string UndoType = "UNDO_SQL";

    internal const string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            installed_rank    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            version           text NOT NULL,
            description       text NOT NULL,
            type              text NOT NULL CHECK (type IN ('{MigrationType}', '{UndoType}')),
            script            text NOT NULL,
            checksum          text NOT NULL,
            installed_by      text NOT NULL,
            installed_on      timestamptz NOT NULL DEFAULT now(),
            execution_time_ms integer NOT NULL,
            success           boolean NOT NULL,
            operation_id      uuid
        );
        COMMENT ON TABLE {Table} IS 'Schema migrations applied by the operations console (Flyway-like; do not edit by hand)';
        """;

    /// <summary>Every row in the order written; empty when the table does not exist yet (nothing was ever applied).</summary>
    public static async Task<IReadOnlyList<HistoryRow>> ReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{Table}') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(ct) is not true)
            {
                return [];
            }
        }

        var rows = new List<HistoryRow>();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time_ms, success, operation_id
            FROM {Table} ORDER BY installed_rank
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new HistoryRow(
                reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8), reader.GetBoolean(9),
                reader.IsDBNull(10) ? null : reader.GetGuid(10)));
        }

        return rows;
    }

    /// <summary>
    /// What the history means now, one row per version: the latest migration row, unless a successful undo came after
    /// it (the version is then not applied). A failed undo changes nothing (it was rolled back).
    /// </summary>
    public static IReadOnlyList<AppliedMigration> Effective(IEnumerable<HistoryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var current = new Dictionary<MigrationVersion, AppliedMigration>();
        foreach (var row in rows.OrderBy(r => r.Rank))
        {
            if (!MigrationVersion.TryParse(row.Version, out var version))
            {
                continue; // written by hand; the status cannot place it
            }

            if (row.Type == MigrationType)
            {
                current[version!] = new AppliedMigration(version!, row.Description, row.Checksum, row.InstalledBy, row.InstalledOn, row.ExecutionTimeMs / 1000.0, row.Success);
            }
            else if (row.Type == UndoType && row.Success)
            {
                current.Remove(version!);
            }
        }

        return [.. current.Values];
    }

    internal static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(CreateSql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    internal static async Task InsertAsync(
        NpgsqlConnection connection, MigrationFile file, string installedBy, TimeSpan took, bool success, Guid? operationId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {Table} (version, description, type, script, checksum, installed_by, execution_time_ms, success, operation_id)
            VALUES (@version, @description, @type, @script, @checksum, @by, @ms, @success, @operation)
            """, connection);
        command.Parameters.AddWithValue("version", file.Version.Text);
        command.Parameters.AddWithValue("description", file.Description);
        command.Parameters.AddWithValue("type", file.IsUndo ? UndoType : MigrationType);
        command.Parameters.AddWithValue("script", file.FileName);
        command.Parameters.AddWithValue("checksum", file.Checksum);
        command.Parameters.AddWithValue("by", installedBy);
        command.Parameters.AddWithValue("ms", (int)Math.Min(int.MaxValue, Math.Round(took.TotalMilliseconds)));
        command.Parameters.AddWithValue("success", success);
        command.Parameters.AddWithValue("operation", operationId is { } id ? id : DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }
}
