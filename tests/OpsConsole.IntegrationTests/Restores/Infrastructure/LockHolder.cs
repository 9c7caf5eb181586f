using Npgsql;

namespace OpsConsole.IntegrationTests.Restores.Infrastructure;

/// <summary>
/// A client that holds a lock on a database (the object, not its tables) in an open transaction, from a session in the
/// <c>postgres</c> maintenance database: terminating the target's connections does not end it, and
/// <c>ALTER DATABASE ... RENAME</c> waits for it (and fails with 55P03 under a <c>lock_timeout</c>). Released on dispose.
/// </summary>
public sealed class LockHolder : IAsyncDisposable
{
    public const string ApplicationName = "restore-test-lock-holder";

    private readonly NpgsqlConnection connection;
    private readonly NpgsqlTransaction transaction;

    private LockHolder(NpgsqlConnection connection, NpgsqlTransaction transaction, int backendPid)
    {
        this.connection = connection;
        this.transaction = transaction;
        BackendPid = backendPid;
    }

    /// <summary>The holder's server process, e.g. to find it in pg_stat_activity or pg_locks.</summary>
    public int BackendPid { get; }

    /// <summary>
    /// Locks database <paramref name="databaseName"/> on the cluster of <paramref name="connectionString"/> (a superuser or
    /// the database's owner) with an uncommitted <c>COMMENT ON DATABASE</c>; returns once the lock is held.
    /// </summary>
    public static async Task<LockHolder> HoldDatabaseAsync(string connectionString, string databaseName, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Database = "postgres",
            // Dispose must end the session for real, not park it in a pool.
            Pooling = false,
            ApplicationName = ApplicationName,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            var transaction = await connection.BeginTransactionAsync(ct);
            var quoted = "\"" + databaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await using (var comment = new NpgsqlCommand($"COMMENT ON DATABASE {quoted} IS 'locked by a restore test'", connection, transaction))
            {
                await comment.ExecuteNonQueryAsync(ct);
            }

            return new LockHolder(connection, transaction, connection.ProcessID);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Rolls back (the comment never becomes visible) and closes the session, which releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.RollbackAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The session was terminated (e.g. by the code under test); the lock went with it.
        }

        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
