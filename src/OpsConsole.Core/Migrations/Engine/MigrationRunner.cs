using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Migrations.Engine;

/// <summary>A lock a migration held on a relation when it was about to commit (the strongest one per relation).</summary>
public sealed record LockTaken(string Relation, string Mode);

/// <summary>How one migration (or undo) went: its time, its statements, the locks it held, and where it failed.</summary>
public sealed record MigrationOutcome(
    string Version, string FileName, string Checksum, bool IsUndo, bool Transactional, bool Succeeded, double Seconds, int Statements,
    IReadOnlyList<LockTaken> Locks, int? FailedLine, string? Error);

/// <summary>Who holds a database's migration lock: the session's application name (the console writes who and which operation there), since when.</summary>
public sealed record MigrationLockHolder(string Application, string User, string? Client, DateTimeOffset Since, int Pid)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"\"{(Application.Length > 0 ? Application : "an unnamed session")}\" (database user {User}{(Client is null ? "" : ", from " + Client)}, pid {Pid}) since {Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
}

/// <summary>Another session holds the database's migration lock; the message names it.</summary>
public sealed class MigrationLockedException(string database, MigrationLockHolder? holder)
    : Exception(holder is null
        ? $"The migrations of {database} are locked by another session that ended a moment ago; try again."
        : $"The migrations of {database} are locked by {holder.Describe()}; nothing was applied. Try again when it is done.")
{
    public MigrationLockHolder? Holder { get; } = holder;
}

/// <summary>What a run does with a database's lock, timeouts and history, and who it is recorded as.</summary>
public sealed record MigrationRunSettings(TimeSpan LockTimeout, TimeSpan StatementTimeout, string InstalledBy, Guid? OperationId, string ApplicationName);

/// <summary>
/// Applies migration files (or undo scripts) to one database: under a session advisory lock on its own connection
/// (one run per database, whoever runs it, and <see cref="HolderAsync"/> tells who), with <c>lock_timeout</c> and
/// <c>statement_timeout</c> set, one transaction per migration unless it is marked non-transactional, each statement
/// logged before it runs. The history row of a transactional migration is written in its transaction, so the history
/// never claims a migration that did not commit; a failure is recorded afterwards, as failed.
/// </summary>
public static class MigrationRunner
{
    /// <summary>The advisory lock's key ("OpsMigra"); advisory locks are per database, so one key serves every database.</summary>
    public const long LockKey = 0x4f70734d69677261;

    private static readonly string[] LockModes =
        ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"];

    /// <summary>
    /// Runs <paramref name="steps"/> in order and stops at the first failure. <paramref name="check"/> sees the history as
    /// it is once the lock is held and returns why the steps no longer fit it (someone applied meanwhile), or null.
    /// <paramref name="afterEach"/> is called after each step's outcome is final (committed or rolled back).
    /// </summary>
    /// <exception cref="MigrationLockedException">Another session holds the lock.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="check"/> refused.</exception>
    /// <exception cref="DatabaseConnectionException">The database could not be reached.</exception>
    public static async Task<IReadOnlyList<MigrationOutcome>> RunAsync(
        NpgsqlConnectionStringBuilder target,
        IReadOnlyList<MigrationFile> steps,
        MigrationRunSettings settings,
        IOperationContext ctx,
        Func<IReadOnlyList<HistoryRow>, string?>? check = null,
        Func<MigrationOutcome, Task>? afterEach = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ctx);
        var ct = ctx.Cancellation;
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false, ApplicationName = Truncate(settings.ApplicationName, 63) };
        var database = builder.Database ?? "";
        await using var connection = await EngineConnections.OpenAsync(builder, ct);
        if (!await TryLockAsync(connection, ct))
        {
            throw new MigrationLockedException(database, await HolderAsync(connection, ct));
        }

        ctx.Log($"holding the migration lock of {database} as \"{builder.ApplicationName}\"");
        await MigrationHistory.EnsureAsync(connection, ct);
        if (check?.Invoke(await MigrationHistory.ReadAsync(connection, ct)) is { } refused)
        {
            throw new InvalidOperationException(refused);
        }

        await using (var timeouts = new NpgsqlCommand("SELECT set_config('lock_timeout', @lock, false), set_config('statement_timeout', @statement, false)", connection))
        {
            timeouts.Parameters.AddWithValue("lock", Milliseconds(settings.LockTimeout));
            timeouts.Parameters.AddWithValue("statement", Milliseconds(settings.StatementTimeout));
            await timeouts.ExecuteNonQueryAsync(ct);
        }

        ctx.Log($"lock_timeout {settings.LockTimeout.TotalSeconds:0.###} s, statement_timeout {(settings.StatementTimeout == TimeSpan.Zero ? "none" : settings.StatementTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s")}");
        var outcomes = new List<MigrationOutcome>();
        foreach (var file in steps)
        {
            var outcome = await RunOneAsync(connection, file, settings, ctx, ct);
            outcomes.Add(outcome);
            if (afterEach is not null)
            {
                await afterEach(outcome);
            }

            if (!outcome.Succeeded)
            {
                break;
            }
        }

        return outcomes;
    }

    /// <summary>Who holds the migration lock of the connection's database right now, or null when nobody does.</summary>
    public static async Task<MigrationLockHolder?> HolderAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // A bigint advisory key is stored as classid (high 32 bits), objid (low 32 bits), objsubid 1.
        await using var command = new NpgsqlCommand(
            """
            SELECT coalesce(a.application_name, ''), coalesce(a.usename, ''), a.client_addr::text, coalesce(a.backend_start, now()), l.pid
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = @high AND l.objid = @low
            LIMIT 1
            """, connection);
        command.Parameters.AddWithValue("high", (long)(uint)(LockKey >> 32));
        command.Parameters.AddWithValue("low", (long)(uint)(LockKey & 0xffffffff));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new MigrationLockHolder(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetInt32(4))
            : null;
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection);
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private static async Task<MigrationOutcome> RunOneAsync(NpgsqlConnection connection, MigrationFile file, MigrationRunSettings settings, IOperationContext ctx, CancellationToken ct)
    {
        var transactional = !MigrationSql.IsNonTransactional(file.Sql);
        var statements = MigrationSql.Split(file.Sql);
        var what = file.IsUndo ? "undo" : "migration";
        ctx.Log($"{file.FileName}: {statements.Count} statement(s), {(transactional ? "in one transaction" : "non-transactional: each statement commits on its own")}, sha256 {file.Checksum[..12]}…");
        var clock = Stopwatch.StartNew();
        NpgsqlTransaction? transaction = transactional ? await connection.BeginTransactionAsync(ct) : null;
        var done = 0;
        IReadOnlyList<LockTaken> locks = [];
        try
        {
            foreach (var statement in statements)
            {
                ctx.Log($"{file.FileName}:{statement.Line} {Summary(statement.Text)}");
                await using var command = new NpgsqlCommand(statement.Text, connection, transaction) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync(ct);
                done++;
            }

            if (transaction is not null)
            {
                locks = await LocksAsync(connection, transaction, ct);
                await MigrationHistory.InsertAsync(connection, file, settings.InstalledBy, clock.Elapsed, true, settings.OperationId, ct);
                await transaction.CommitAsync(ct);
            }
            else
            {
                await MigrationHistory.InsertAsync(connection, file, settings.InstalledBy, clock.Elapsed, true, settings.OperationId, ct);
            }

            clock.Stop();
            ctx.Log(string.Create(CultureInfo.InvariantCulture, $"{file.FileName}: {what} applied in {clock.Elapsed.TotalSeconds:0.000} s{(locks.Count == 0 ? "" : "; locks held: " + string.Join(", ", locks.Select(l => $"{l.Mode} on {l.Relation}")))}"));
            return new MigrationOutcome(file.Version.Text, file.FileName, file.Checksum, file.IsUndo, transactional, true, clock.Elapsed.TotalSeconds, statements.Count, locks, null, null);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            clock.Stop();
            var failedAt = done < statements.Count ? statements[done] : null;
            var line = failedAt is null ? (int?)null : LineOf(failedAt, ex as PostgresException);
            var error = Describe(ex, file, line, transactional, done);
            ctx.Log(error, OperationLogLevel.Error);
            await RecordFailureAsync(connection, transaction, file, settings, clock.Elapsed, ctx);
            if (ex is OperationCanceledException && ct.IsCancellationRequested)
            {
                throw;
            }

            return new MigrationOutcome(file.Version.Text, file.FileName, file.Checksum, file.IsUndo, transactional, false, clock.Elapsed.TotalSeconds, statements.Count, locks, line, error);
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }
        }
    }

    /// <summary>Rolls back, then records the failure: best effort, since the failure may be the connection itself.</summary>
    private static async Task RecordFailureAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationFile file, MigrationRunSettings settings, TimeSpan took, IOperationContext ctx)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            if (transaction is not null)
            {
                await transaction.RollbackAsync(deadline.Token);
                ctx.Log($"{file.FileName}: rolled back; nothing of it was committed", OperationLogLevel.Warning);
            }

            await MigrationHistory.InsertAsync(connection, file, settings.InstalledBy, took, false, settings.OperationId, deadline.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            ctx.Log($"{file.FileName}: the failure could not be recorded in {MigrationHistory.Table} ({ex.Message}); the history shows it as not applied", OperationLogLevel.Warning);
        }
    }

    private static async Task<IReadOnlyList<LockTaken>> LocksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        // Locks are held until commit, so one look before the commit sees every lock the migration took. A TOAST table is
        // locked with its table and named by no one, so it is left out.
        await using var command = new NpgsqlCommand(
            """
            SELECT c.oid::regclass::text, l.mode
            FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
              AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
            """, connection, transaction);
        var strongest = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var rank = Array.IndexOf(LockModes, reader.GetString(1));
            var relation = reader.GetString(0);
            if (rank > strongest.GetValueOrDefault(relation, -1))
            {
                strongest[relation] = rank;
            }
        }

        return [.. strongest.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => new LockTaken(p.Key, LockModes[p.Value]))];
    }

    /// <summary>The file's line of the error: the statement's first line, moved down to PostgreSQL's reported position.</summary>
    internal static int LineOf(SqlStatement statement, PostgresException? error)
    {
        if (error is { Position: > 0 } && error.Position <= statement.Text.Length)
        {
            return statement.Line + statement.Text.AsSpan(0, error.Position - 1).Count('\n');
        }

        return statement.Line;
    }

    private static string Describe(Exception ex, MigrationFile file, int? line, bool transactional, int done)
    {
        var where = line is null ? file.FileName : $"{file.FileName} line {line}";
        var why = ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } pg => $"{pg.MessageText}: another session held a lock it needed for longer than lock_timeout (see pg_stat_activity)",
            PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } pg => $"{pg.MessageText} (statement_timeout, or the run was stopped)",
            PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState}){(pg.Detail is { Length: > 0 } d ? ": " + d : "")}",
            OperationCanceledException => "the run was stopped",
            _ => $"the connection failed: {ex.Message}",
        };
        var state = transactional ? "nothing of it was committed"
            : done == 0 ? "none of its statements had run"
            : $"its first {done} statement(s) committed (non-transactional); make them idempotent (IF NOT EXISTS) before running it again";
        return $"{where} failed: {why}; {state}";
    }

    private static string Summary(string statement)
    {
        var first = statement.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)) ?? statement.Trim();
        return first.Length > 160 ? first[..157] + "…" : first;
    }

    private static string Milliseconds(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private static string Truncate(string text, int bytes)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(text) > bytes)
        {
            text = text[..^1];
        }

        return text;
    }
}
