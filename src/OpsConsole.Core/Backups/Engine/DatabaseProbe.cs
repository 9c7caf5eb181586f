namespace OpsConsole.Core.Backups.Engine;

/// <summary>What the Databases page shows about a managed database right now.</summary>
/// <param name="Connections">Client sessions connected to this database (not autovacuum or other server processes), the probe's own not counted.</param>
public sealed record DatabaseInfo(string Database, PgVersion ServerVersion, long SizeBytes, int Connections);

/// <summary>Reads a managed database's server version, size and connections through its own connection string.</summary>
public static class DatabaseProbe
{
    /// <exception cref="DatabaseConnectionException">Unreachable host, wrong password, missing database: a short message naming host:port, user and database.</exception>
    public static async Task<DatabaseInfo> ReadAsync(string connectionString, CancellationToken ct)
    {
        var builder = EngineConnections.Parse(connectionString);
        await using var connection = await EngineConnections.OpenAsync(builder, ct);
        var version = await EngineConnections.ServerVersionAsync(connection, ct);
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT current_database(),
                   pg_database_size(current_database()),
                   (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid())::int
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new DatabaseInfo(reader.GetString(0), version, reader.GetInt64(1), reader.GetInt32(2));
    }
}
