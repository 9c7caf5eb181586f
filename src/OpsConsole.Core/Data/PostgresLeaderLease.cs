using Npgsql;

namespace OpsConsole.Core.Data;

/// <summary>
/// Leader election on a PostgreSQL session advisory lock: the instance whose connection holds the lock is the leader
/// until that connection ends (stop, crash, network loss), and the others keep trying. A keep-alive on the held
/// connection notices a lost lock and cancels the leader's work.
/// </summary>
public static class PostgresLeaderLease
{
    /// <summary>
    /// Leads whenever this instance holds the lock, until <paramref name="stoppingToken"/>: a database error (outage,
    /// restart) is reported to <paramref name="leaseFailed"/> and the lease is tried again after <paramref name="retryInterval"/>.
    /// </summary>
    public static async Task RunUntilStoppedAsync(
        string connectionString, long lockKey, Func<CancellationToken, Task> leaderWork, TimeSpan retryInterval, TimeProvider time,
        Action<Exception> leaseFailed, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(leaderWork);
        ArgumentNullException.ThrowIfNull(leaseFailed);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(connectionString, lockKey, leaderWork, retryInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                leaseFailed(ex);
                await Task.Delay(retryInterval, time, stoppingToken);
            }
        }
    }

    /// <summary>One lease: tries the lock every <paramref name="retryInterval"/> and leads while it holds it; a database error ends it.</summary>
    private static async Task RunAsync(
        string connectionString, long lockKey, Func<CancellationToken, Task> leaderWork, TimeSpan retryInterval, TimeProvider time, CancellationToken stoppingToken)
    {
        // Not pooled: a pooled connection goes back to the pool still holding a session lock (released only at its
        // next use), so a stopped leader could keep the lock. Unpooled, closing it ends the session and the lock.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "opsconsole-leader" }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            await using (var connection = NamedDataSources.CreateConnection(unpooled, "console-leader"))
            {
                await connection.OpenAsync(stoppingToken);
                await using var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({lockKey})", connection);
                if ((bool)(await tryLock.ExecuteScalarAsync(stoppingToken))!)
                {
                    using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var keepAlive = KeepAliveAsync(connection, retryInterval, time, lost);
                    try
                    {
                        await leaderWork(lost.Token);
                    }
                    catch (OperationCanceledException) when (lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                    {
                        // The lock's connection went away: someone else may lead now; try again below.
                    }
                    finally
                    {
                        await lost.CancelAsync();
                        await keepAlive;
                    }

                    // Closing the connection releases the session lock.
                }
            }

            await Task.Delay(retryInterval, time, stoppingToken);
        }
    }

    private static async Task KeepAliveAsync(NpgsqlConnection connection, TimeSpan interval, TimeProvider time, CancellationTokenSource lost)
    {
        try
        {
            while (!lost.IsCancellationRequested)
            {
                await Task.Delay(interval, time, lost.Token);
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(lost.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Leader work ended.
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            await lost.CancelAsync();
        }
    }
}
