using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsConsole.Core.Data;

/// <summary>Applies the console's EF Core migrations under a PostgreSQL advisory lock, so instances starting together take turns.</summary>
public sealed partial class DatabaseMigrator(ConsoleConnectionStrings connections, ILogger<DatabaseMigrator> logger)
{
    /// <param name="whileLocked">Runs after migrating, still under the lock (seeding must not race another instance either).</param>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken, Func<CancellationToken, Task>? whileLocked = null)
    {
        // Migrations run as the owner; the console itself runs as the runtime role granted below.
        var options = new DbContextOptionsBuilder<ConsoleDbContext>();
        ConsoleDatabase.Configure(options, connections.Owner, NamedDataSources.Owner);
        await using var db = new ConsoleDbContext(options.Options);
        var stopwatch = Stopwatch.StartNew();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
            {
                lockCommand.Parameters.AddWithValue("key", ConsoleDatabase.MigrationLockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                // On a brand-new database the history table does not exist yet; asking EF for pending migrations then logs a failed query.
                var history = db.GetService<IHistoryRepository>();
                var pending = await history.ExistsAsync(cancellationToken)
                    ? (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList()
                    : db.Database.GetMigrations().ToList();
                if (pending.Count > 0)
                {
                    // Index builds on a large audit log take minutes (about 5 for the word index on 10 million records),
                    // far past the default 30 s command timeout; a migration cut short would fail every start.
                    db.Database.SetCommandTimeout(TimeSpan.FromHours(2));
                    await db.Database.MigrateAsync(cancellationToken);
                }

                LogMigrated(pending.Count, string.Join(", ", pending), stopwatch.ElapsedMilliseconds);
                if (connections.Separated)
                {
                    await ConsoleRuntimeRole.GrantAsync(connection, connections.RuntimeUser, cancellationToken);
                }
                else if (pending.Count > 0)
                {
                    LogNotSeparated(connections.RuntimeUser);
                }

                if (whileLocked is not null)
                {
                    await whileLocked(cancellationToken);
                }

                return pending;
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                unlock.Parameters.AddWithValue("key", ConsoleDatabase.MigrationLockKey);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console runs as '{Role}', which owns its tables: the audit log's append-only triggers protect it, but an owner can disable them. Set ConnectionStrings:ConsoleOwner to a separate owner role (see README, Audit)")]
    private partial void LogNotSeparated(string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current: applied {Count} migration(s) [{Migrations}] in {ElapsedMs} ms")]
    private partial void LogMigrated(int count, string migrations, long elapsedMs);
}
