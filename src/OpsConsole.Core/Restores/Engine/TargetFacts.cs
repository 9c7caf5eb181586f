using System.Net;
using Npgsql;
using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Restores.Engine;

/// <summary>What the preflight reads from the target's server, through the maintenance database.</summary>
public sealed record TargetFacts(
    bool Exists,
    long? Oid,
    long? SizeBytes,
    string? Owner,
    PgVersion ServerVersion,
    string Role,
    bool RoleIsSuperuser,
    bool RoleMayCreateDatabases,
    bool RoleOwnsTarget,
    bool RoleMayEndSessions,
    IReadOnlyList<RestoreConnection> Connections,
    string? DataDirectory,
    bool ServerIsLocal,
    IReadOnlySet<string> ExistingDatabases)
{
    /// <summary>Reads the facts of <paramref name="database"/> on the server <paramref name="connectionString"/> points at.</summary>
    /// <exception cref="DatabaseConnectionException">The server could not be reached.</exception>
    public static async Task<TargetFacts> ReadAsync(string connectionString, string database, CancellationToken ct)
    {
        var maintenance = EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase);
        await using var admin = await EngineConnections.OpenAsync(maintenance, ct);
        var version = await EngineConnections.ServerVersionAsync(admin, ct);

        bool exists = false, superuser, createdb, owns = false, endSessions;
        long? oid = null, size = null;
        string? owner = null;
        string role;
        await using (var read = new NpgsqlCommand(
            """
            SELECT current_user, r.rolsuper, r.rolcreatedb,
                   pg_has_role(current_user, 'pg_signal_backend', 'MEMBER'),
                   d.oid::bigint, pg_database_size(d.oid), pg_get_userbyid(d.datdba), pg_has_role(current_user, d.datdba, 'MEMBER')
            FROM pg_roles r LEFT JOIN pg_database d ON d.datname = $1
            WHERE r.rolname = current_user
            """, admin))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = database });
            await using var reader = await read.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            role = reader.GetString(0);
            superuser = reader.GetBoolean(1);
            createdb = reader.GetBoolean(2);
            endSessions = superuser || reader.GetBoolean(3);
            if (!reader.IsDBNull(4))
            {
                exists = true;
                oid = reader.GetInt64(4);
                size = reader.GetInt64(5);
                owner = reader.GetString(6);
                owns = superuser || reader.GetBoolean(7);
            }
        }

        var connections = new List<RestoreConnection>();
        await using (var sessions = new NpgsqlCommand(
            """
            SELECT pid, application_name, usename, host(client_addr), backend_start, state
            FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY backend_start
            """, admin))
        {
            sessions.Parameters.Add(new NpgsqlParameter { Value = database });
            await using var reader = await sessions.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                connections.Add(new RestoreConnection(
                    reader.GetInt32(0), NullIfEmpty(reader, 1), NullIfEmpty(reader, 2), reader.IsDBNull(3) ? "local socket" : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), NullIfEmpty(reader, 5)));
            }
        }

        string? dataDirectory = null;
        await using (var setting = new NpgsqlCommand("SELECT setting FROM pg_settings WHERE name = 'data_directory'", admin))
        {
            // Only superusers and pg_read_all_settings see it; others get no row.
            dataDirectory = await setting.ExecuteScalarAsync(ct) as string;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        await using (var list = new NpgsqlCommand("SELECT datname FROM pg_database", admin))
        {
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                names.Add(reader.GetString(0));
            }
        }

        return new TargetFacts(exists, oid, size, owner, version, role, superuser, createdb, owns, endSessions, connections,
            dataDirectory, IsLocal(maintenance.Host), names);
    }

    /// <summary>Free bytes of the file system holding the server's data directory, when the server runs on this machine.</summary>
    public long? DataDirectoryFreeBytes()
    {
        if (!ServerIsLocal || DataDirectory is null)
        {
            return null;
        }

        try
        {
            return new DriveInfo(DataDirectory).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A socket directory or a loopback address: the data directory is on this machine's disks.</summary>
    public static bool IsLocal(string? host)
    {
        if (string.IsNullOrEmpty(host) || host.StartsWith('/') || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return !host.Contains(',', StringComparison.Ordinal) && IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    private static string? NullIfEmpty(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) || reader.GetString(ordinal).Length == 0 ? null : reader.GetString(ordinal);
}
