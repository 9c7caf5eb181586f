using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Restores.Engine;

/// <summary>How a swap went: how long the database refused connections, and how many sessions it ended.</summary>
public sealed record SwapResult(TimeSpan ConnectionsRefused, int SessionsEnded);

/// <summary>The swap failed and was undone: the names are as before and the database accepts connections again.</summary>
public sealed class SwapFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The restore's critical section: <c>live</c> becomes <c>setAside</c> and <c>incoming</c> becomes <c>live</c>, in one
/// transaction (PostgreSQL renames databases transactionally, so a failure leaves both names as they were).
/// New connections are refused first (ALLOW_CONNECTIONS false, committed, so it holds for every new session), the
/// sessions are ended, then the renames wait at most lock_timeout for locks other sessions hold on the database.
/// Measured on PostgreSQL 15, 2 cores: connections are refused for 10-40 ms.
/// </summary>
public static class DatabaseSwap
{
    private static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(30);

    /// <exception cref="SwapFailedException">A lock was not granted in time, sessions would not end, or the server failed; nothing was renamed.</exception>
    public static async Task<SwapResult> SwapAsync(
        string connectionString, string live, string incoming, string setAside, TimeSpan lockTimeout, IOperationContext ctx, Action? onConnectionsCut = null)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var maintenance = EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase);
        await using var admin = await EngineConnections.OpenAsync(maintenance, ctx.Cancellation);
        var q = TableKey.QuoteIdentifier(live);
        // Past this point the swap runs to its end or undoes itself; a cancel would leave the database refusing connections.
        var ct = CancellationToken.None;
        var refused = Stopwatch.StartNew();
        await ExecuteAsync(admin, $"ALTER DATABASE {q} WITH ALLOW_CONNECTIONS false", ct);
        onConnectionsCut?.Invoke();
        ctx.Log($"{live} refuses new connections");
        try
        {
            int ended;
            await using (var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", admin))
            {
                terminate.Parameters.Add(new NpgsqlParameter { Value = live });
                ended = (int)(await terminate.ExecuteScalarAsync(ct))!;
            }

            ctx.Log($"ended {ended} session(s) of {live}");
            await using (var tx = await admin.BeginTransactionAsync(ct))
            {
                await ExecuteAsync(admin, string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(long)lockTimeout.TotalMilliseconds}"), ct);
                await ExecuteAsync(admin, $"ALTER DATABASE {q} RENAME TO {TableKey.QuoteIdentifier(setAside)}", ct);
                await ExecuteAsync(admin, $"ALTER DATABASE {TableKey.QuoteIdentifier(incoming)} RENAME TO {q}", ct);
                await tx.CommitAsync(ct);
            }

            refused.Stop();
            ctx.Log(string.Create(CultureInfo.InvariantCulture,
                $"renamed {live} to {setAside} and {incoming} to {live}; {live} refused connections for {refused.Elapsed.TotalMilliseconds:0} ms"));
            // The set-aside copy accepts connections again, so it can be inspected, dumped or swapped back.
            await ExecuteAsync(admin, $"ALTER DATABASE {TableKey.QuoteIdentifier(setAside)} WITH ALLOW_CONNECTIONS true", ct);
            return new SwapResult(refused.Elapsed, ended);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            var why = await ExplainAsync(admin, ex, live, lockTimeout);
            var repaired = await AllowConnectionsAsync(connectionString, live);
            ctx.Log($"swap aborted: {why}", OperationLogLevel.Error);
            throw new SwapFailedException(
                $"the swap was aborted and nothing was renamed: {why}" + (repaired is null ? $"; {live} accepts connections again" : $"; {live} still refuses connections ({repaired})"), ex);
        }
    }

    /// <summary>Lets <paramref name="database"/> accept connections again; null, or why it could not.</summary>
    public static async Task<string?> AllowConnectionsAsync(string connectionString, string database)
    {
        using var deadline = new CancellationTokenSource(RepairTimeout);
        try
        {
            await using var admin = await EngineConnections.OpenAsync(EngineConnections.Parse(connectionString, RestoreDrill.MaintenanceDatabase), deadline.Token);
            await ExecuteAsync(admin, $"ALTER DATABASE {TableKey.QuoteIdentifier(database)} WITH ALLOW_CONNECTIONS true", deadline.Token);
            return null;
        }
        catch (Exception ex) when (ex is NpgsqlException or DatabaseConnectionException or OperationCanceledException)
        {
            return ex.Message;
        }
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection admin, Exception ex, string live, TimeSpan lockTimeout)
    {
        if (ex is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable })
        {
            var holders = await LockHoldersAsync(admin, live);
            return string.Create(CultureInfo.InvariantCulture,
                $"another session holds a lock on the database {live} and the rename waited {lockTimeout.TotalSeconds:0.#} s (Restores:SwapLockTimeout)")
                + (holders.Length > 0 ? $": {holders}" : "");
        }

        if (ex is PostgresException { SqlState: PostgresErrorCodes.ObjectInUse })
        {
            return $"sessions of {live} did not end after pg_terminate_backend ({ex.Message})";
        }

        return ex.Message;
    }

    /// <summary>Who holds a lock on the database object (e.g. a COMMENT ON DATABASE or GRANT in an open transaction).</summary>
    private static async Task<string> LockHoldersAsync(NpgsqlConnection admin, string live)
    {
        try
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT string_agg(format('pid %s (%s, user %s, from %s): %s', a.pid, coalesce(nullif(a.application_name, ''), 'no application name'),
                                         a.usename, coalesce(host(a.client_addr), 'local socket'), left(a.query, 120)), '; ')
                FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'object' AND l.granted AND l.classid = 'pg_database'::regclass
                  AND l.objid = (SELECT oid FROM pg_database WHERE datname = $1) AND a.pid <> pg_backend_pid()
                """, admin);
            command.Parameters.Add(new NpgsqlParameter { Value = live });
            return await command.ExecuteScalarAsync(CancellationToken.None) as string ?? "";
        }
        catch (NpgsqlException)
        {
            return "";
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
