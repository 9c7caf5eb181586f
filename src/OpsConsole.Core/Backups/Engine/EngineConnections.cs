using Npgsql;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>The engine's own connections to a managed database's server: unpooled, opened with errors translated.</summary>
internal static class EngineConnections
{
    /// <summary>
    /// The managed database's connection settings, unpooled: the engine connects rarely, and a pooled connection into
    /// a scratch database would be broken by the DROP … WITH (FORCE) that ends it.
    /// </summary>
    public static NpgsqlConnectionStringBuilder Parse(string connectionString, string? database = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The parser's message can quote the string, password included; say only that it is malformed.
            throw new DatabaseConnectionException(ConnectionProblem.Refused, "the connection string is malformed: " + ex.ParamName, null);
        }

        builder.Pooling = false;
        if (database is not null)
        {
            builder.Database = database;
        }

        return builder;
    }

    /// <exception cref="DatabaseConnectionException">The server could not be reached or refused the connection.</exception>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder builder, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch (Exception ex) when (DatabaseConnectionException.From(ex, builder) is { } translated)
        {
            await connection.DisposeAsync();
            throw translated;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task<PgVersion> ServerVersionAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return PgVersion.FromServerVersionNum(reader.GetInt32(0), reader.GetString(1));
    }
}

/// <summary>A user table as the engine sees it: its manifest key, the name the tools print, and its size on disk.</summary>
internal sealed record UserTable(string Schema, string Name, long SizeBytes)
{
    public string Key => TableKey.Format(Schema, Name);

    /// <summary>How pg_dump -v and pg_restore -v print it: schema, a dot, table, unquoted.</summary>
    public string Printed => Schema + "." + Name;
}

/// <summary>The tables whose data pg_dump copies, and their row counts, by the same rule on both sides of a drill.</summary>
internal static class UserTables
{
    /// <summary>
    /// Ordinary tables and partitions (a partitioned parent holds no rows of its own), outside the system schemas, not
    /// another session's temporary tables, and not owned by an extension (pg_dump recreates those with the extension).
    /// </summary>
    private const string ListSql = """
        SELECT n.nspname, c.relname, pg_relation_size(c.oid)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND c.relpersistence <> 't'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
          AND NOT EXISTS (
              SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, 2
        """;

    public static async Task<IReadOnlyList<UserTable>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var tables = new List<UserTable>();
        await using var command = new NpgsqlCommand(ListSql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tables.Add(new UserTable(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return tables;
    }

    /// <summary>Exact row counts (count(*)), keyed by <see cref="TableKey"/>; inside <paramref name="transaction"/>'s snapshot when given.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<UserTable> tables, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {TableKey.Sql(table.Schema, table.Name)}", connection, transaction)
            {
                CommandTimeout = 0,
            };
            counts[table.Key] = (long)(await command.ExecuteScalarAsync(ct))!;
        }

        return counts;
    }
}
