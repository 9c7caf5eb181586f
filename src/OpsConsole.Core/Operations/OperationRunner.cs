using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Operations;

/// <summary>
/// Runs queued operations on every instance, one per target across all of them. A run holds a PostgreSQL session
/// advisory lock on its target on a connection of its own for its whole life, and writes its log and progress through
/// that connection, so the lock lives exactly as long as the runner does: a running operation whose lock anyone else
/// can take has lost its runner, and the sweep fails it with <see cref="OperationLifecycle.RestartedReason"/> and lets
/// its kind clean up. The sweep also fails approval requests that expired.
/// </summary>
public sealed partial class OperationRunner(
    IServiceScopeFactory scopes,
    ConsoleConnectionStrings connections,
    DatabaseState database,
    ILiveEvents live,
    OperationSignal signal,
    IOptions<OperationOptions> options,
    TimeProvider time,
    ILogger<OperationRunner> logger) : BackgroundService
{
    /// <summary>The first key of the two-key advisory lock space used for targets ("Op"); the second is hashtext(target).</summary>
    internal const int TargetLockClass = 0x4F70;

    /// <summary>Backstop poll when a NOTIFY about a queued operation was lost (live events are best-effort).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<Guid, (RunningOperation Context, Task Run)> _running = new();

    /// <summary>This instance, as stored on the operations it runs.</summary>
    public string InstanceName { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>Ids of the operations this instance runs now (tests, diagnostics).</summary>
    public IReadOnlyCollection<Guid> Running => [.. _running.Keys];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        using var changes = live.Subscribe(OperationTopics.Changed, e =>
        {
            if (e.Payload.State == OperationState.Queued)
            {
                signal.Wake();
            }

            if (e.Payload.CancelRequested && _running.TryGetValue(e.Payload.Id, out var running))
            {
                running.Context.RequestCancel();
            }

            return Task.CompletedTask;
        });

        var nextSweep = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (time.GetUtcNow() >= nextSweep)
                {
                    if (!await BackgroundLoop.PassAsync(SweepAsync, ex => LogSweepFailed(ex), stoppingToken))
                    {
                        break;
                    }

                    nextSweep = time.GetUtcNow() + options.Value.SweepInterval;
                }

                if (!await BackgroundLoop.PassAsync(ClaimAsync, ex => LogClaimFailed(ex), stoppingToken))
                {
                    break;
                }

                var wait = nextSweep - time.GetUtcNow();
                await signal.WaitAsync(wait < PollInterval ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the runs below see the same token and end as failed ("console stopped").
        }
        finally
        {
            await Task.WhenAll(_running.Values.Select(r => r.Run));
        }
    }

    /// <summary>Claims queued operations whose target lock is free, up to <see cref="OperationOptions.MaxConcurrent"/> runs.</summary>
    internal async Task ClaimAsync(CancellationToken stoppingToken)
    {
        while (_running.Count < options.Value.MaxConcurrent)
        {
            var queued = await QueuedAsync(stoppingToken);
            var claimed = false;
            foreach (var (id, target) in queued)
            {
                if (_running.ContainsKey(id))
                {
                    continue;
                }

                var connection = await TryLockAsync(target, stoppingToken);
                if (connection is null)
                {
                    continue;
                }

                StoredOperation? op;
                try
                {
                    op = await StartAsync(connection, id, stoppingToken);
                }
                catch
                {
                    await connection.DisposeAsync();
                    throw;
                }

                if (op is null)
                {
                    await connection.DisposeAsync();
                    continue;
                }

                var context = new RunningOperation(op.Id, op.Target, op.LogLines, stoppingToken, time);
                var run = Task.Run(() => RunAsync(op, context, connection, stoppingToken), CancellationToken.None);
                _running[op.Id] = (context, run);
                claimed = true;
                break;
            }

            if (!claimed)
            {
                return;
            }
        }
    }

    private async Task<List<(Guid Id, string Target)>> QueuedAsync(CancellationToken cancellationToken)
    {
        await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id, target FROM console.operations WHERE state = 'Queued' ORDER BY id LIMIT 20", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<(Guid, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return list;
    }

    /// <summary>An open, unpooled connection holding the target's lock, or null when someone else holds it.</summary>
    private async Task<NpgsqlConnection?> TryLockAsync(string target, CancellationToken cancellationToken)
    {
        // Unpooled: closing must end the session (and with it the lock); a pooled connection would keep it.
        var unpooled = new NpgsqlConnectionStringBuilder(connections.Runtime) { Pooling = false, ApplicationName = "opsconsole-operation" }.ConnectionString;
        var connection = NamedDataSources.CreateConnection(unpooled, "console-operation");
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@class, hashtext(@target))", connection);
            tryLock.Parameters.AddWithValue("class", TargetLockClass);
            tryLock.Parameters.AddWithValue("target", target);
            if ((bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return connection;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    private async Task<StoredOperation?> StartAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        await using (var start = new NpgsqlCommand(
            "UPDATE console.operations SET state = 'Running', started_at = @now, run_by = @me, updated_at = @now WHERE id = @id AND state = 'Queued'", connection))
        {
            start.Parameters.AddWithValue("now", time.GetUtcNow());
            start.Parameters.AddWithValue("me", InstanceName);
            start.Parameters.AddWithValue("id", id);
            if (await start.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null; // approved-then-cancelled, or another instance was quicker
            }
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var op = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == id, cancellationToken);
        live.Publish(OperationTopics.Changed, OperationService.Changed(op));
        return op;
    }

    private async Task RunAsync(StoredOperation op, RunningOperation context, NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        var run = new OperationRun(op.Id, op.Kind, op.Target, OperationService.Parameters(op), op.RequestedBy, op.RequestedAt, op.ApprovedBy);
        using var flushing = new CancellationTokenSource();
        var flusher = FlushLoopAsync(context, connection, flushing.Token);
        OperationState outcome;
        string? error = null;
        string? result = null;
        try
        {
            using var scope = scopes.CreateScope();
            var kind = scope.ServiceProvider.GetServices<IOperationKind>().Single(k => k.Name == op.Kind);
            context.Log($"{op.Title}: started on {InstanceName}");
            result = await kind.RunAsync(run, context);
            outcome = OperationState.Succeeded;
            context.Progress(1, "done");
            context.Log(result is null ? "succeeded" : $"succeeded: {result}");
        }
        catch (OperationCanceledException) when (context.CancelRequested)
        {
            outcome = OperationState.Cancelled;
            context.Log("cancelled", OperationLogLevel.Warning);
        }
        catch (OperationCanceledException) when (context.AbortReason is not null || stoppingToken.IsCancellationRequested)
        {
            outcome = OperationState.Failed;
            error = context.AbortReason ?? "the console stopped during the operation";
            context.Log(error, OperationLogLevel.Error);
        }
#pragma warning disable CA1031 // any failure of a step fails the operation with its message; the runner goes on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            outcome = OperationState.Failed;
            error = ex.Message;
            context.Log($"failed: {ex.Message}", OperationLogLevel.Error);
            LogRunFailed(ex, op.Id, op.Kind, op.Target);
        }

        await flushing.CancelAsync();
        await flusher;
        try
        {
            await FlushAsync(context, connection, CancellationToken.None);
            await FinishAsync(op, outcome, error, result, context.CancelRequested);
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException or TimeoutException)
        {
            // Left running with its lock released: the next sweep (here or on another instance) fails it.
            LogFinishFailed(ex, op.Id);
        }
        finally
        {
            _running.TryRemove(op.Id, out _);
            context.Dispose();
            await connection.DisposeAsync();
            signal.Wake();
        }
    }

    private async Task FlushLoopAsync(RunningOperation context, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.FlushInterval, time, cancellationToken);
                try
                {
                    await FlushAsync(context, connection, cancellationToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    if (connection.State != System.Data.ConnectionState.Open)
                    {
                        // Without its connection the run no longer holds the target: stop before another instance starts on it.
                        context.Abort("lost the database connection that holds the target's lock");
                        return;
                    }

                    LogFlushFailed(ex, context.OperationId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended; the runner flushes once more itself.
        }
    }

    /// <summary>Writes new log lines and progress through the lock's connection, then announces them.</summary>
    private async Task FlushAsync(RunningOperation context, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var (lines, progressChanged, progress, step, lastSeq) = context.Take();
        if (lines.Count == 0 && !progressChanged)
        {
            await CheckCancelAsync(context, connection, cancellationToken);
            return;
        }

        try
        {
            await using var batch = new NpgsqlBatch(connection);
            if (lines.Count > 0)
            {
                var insert = new NpgsqlBatchCommand(
                    "INSERT INTO console.operation_log (operation_id, seq, at, level, text) " +
                    "SELECT @id, s, a, l, t FROM unnest(@seqs, @ats, @levels, @texts) AS x(s, a, l, t) ON CONFLICT DO NOTHING");
                insert.Parameters.AddWithValue("id", context.OperationId);
                insert.Parameters.AddWithValue("seqs", lines.Select(l => l.Seq).ToArray());
                insert.Parameters.Add(new NpgsqlParameter("ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = lines.Select(l => l.At).ToArray() });
                insert.Parameters.AddWithValue("levels", lines.Select(l => l.Level.ToString()).ToArray());
                insert.Parameters.AddWithValue("texts", lines.Select(l => l.Text).ToArray());
                batch.BatchCommands.Add(insert);
            }

            var update = new NpgsqlBatchCommand(
                "UPDATE console.operations SET progress = @progress, step = @step, log_lines = GREATEST(log_lines, @last), updated_at = @now " +
                "WHERE id = @id RETURNING cancel_requested");
            update.Parameters.Add(new NpgsqlParameter("progress", NpgsqlDbType.Double) { Value = (object?)progress ?? DBNull.Value });
            update.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Text) { Value = (object?)step ?? DBNull.Value });
            update.Parameters.AddWithValue("last", lastSeq);
            update.Parameters.AddWithValue("now", time.GetUtcNow());
            update.Parameters.AddWithValue("id", context.OperationId);
            batch.BatchCommands.Add(update);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (lines.Count > 0)
            {
                await reader.NextResultAsync(cancellationToken);
            }

            if (await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0))
            {
                context.RequestCancel();
            }
        }
        catch
        {
            context.Restore(lines, progressChanged);
            throw;
        }

        if (lines.Count > 0)
        {
            live.Publish(OperationTopics.LogGrew, new OperationLogGrew(context.OperationId, lines[^1].Seq));
        }

        live.Publish(OperationTopics.Changed, new OperationChanged(context.OperationId, context.Target, OperationState.Running, context.CancelRequested));
    }

    /// <summary>A cancel whose NOTIFY was lost still reaches the run at the next flush (the flag is in the row).</summary>
    private static async Task CheckCancelAsync(RunningOperation context, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var check = new NpgsqlCommand("SELECT cancel_requested FROM console.operations WHERE id = @id", connection);
        check.Parameters.AddWithValue("id", context.OperationId);
        if (await check.ExecuteScalarAsync(cancellationToken) is true)
        {
            context.RequestCancel();
        }
    }

    private async Task FinishAsync(StoredOperation op, OperationState outcome, string? error, string? result, bool cancelRequested)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();
        var now = time.GetUtcNow();
        var trimmedError = error is { Length: > OperationLimits.ErrorLength } ? error[..OperationLimits.ErrorLength] : error;
        var trimmedResult = result is { Length: > OperationLimits.ErrorLength } ? result[..OperationLimits.ErrorLength] : result;
        await actions.RunAsync(AuditActors.System, async work =>
        {
            var updated = await db.Operations.Where(o => o.Id == op.Id && o.State == OperationState.Running)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.State, outcome)
                    .SetProperty(o => o.EndedAt, now)
                    .SetProperty(o => o.Error, trimmedError)
                    .SetProperty(o => o.Result, trimmedResult)
                    .SetProperty(o => o.Progress, o => outcome == OperationState.Succeeded ? 1 : o.Progress)
                    .SetProperty(o => o.UpdatedAt, now));
            if (updated == 0)
            {
                return false;
            }

            var details = new List<(string, string?)> { ("kind", op.Kind), ("target", op.Target), ("requested_by", op.RequestedBy) };
            if (trimmedError is not null)
            {
                details.Add(("error", trimmedError));
            }

            if (trimmedResult is not null)
            {
                details.Add(("result", trimmedResult));
            }

            var action = outcome switch
            {
                OperationState.Succeeded => "operations.succeeded",
                OperationState.Cancelled => "operations.stopped",
                _ => "operations.failed",
            };
            await work.RecordAsync(action, "operation", op.Id.ToString(), outcome == OperationState.Failed ? AuditOutcome.Failed : AuditOutcome.Succeeded, [.. details]);
            work.Publish(OperationTopics.Changed, new OperationChanged(op.Id, op.Target, outcome, cancelRequested));
            return true;
        });
    }

    /// <summary>
    /// Fails running operations nobody runs any more (their target lock is free) after letting their kind clean up, and
    /// approval requests that expired.
    /// </summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var actions = scope.ServiceProvider.GetRequiredService<AuditedActions>();
        var now = time.GetUtcNow();

        var expired = await db.Operations.AsNoTracking()
            .Where(o => o.State == OperationState.AwaitingApproval && o.ApprovalExpiresAt <= now)
            .ToListAsync(cancellationToken);
        foreach (var op in expired)
        {
            await EndAsync(actions, db, op, OperationState.AwaitingApproval, "operations.expired",
                $"No one approved it within {options.Value.ApprovalExpiry:g}; request it again.", cancellationToken);
        }

        var running = await db.Operations.AsNoTracking().Where(o => o.State == OperationState.Running).ToListAsync(cancellationToken);
        foreach (var op in running.Where(o => !_running.ContainsKey(o.Id)))
        {
            await using var connection = await TryLockAsync(op.Target, cancellationToken);
            if (connection is null)
            {
                continue; // its runner is alive (on another instance)
            }

            var still = await db.Operations.AsNoTracking().SingleAsync(o => o.Id == op.Id, cancellationToken);
            if (still.State != OperationState.Running)
            {
                continue;
            }

            LogOrphan(op.Id, op.Kind, op.Target, op.RunBy);
            var context = new RunningOperation(op.Id, op.Target, still.LogLines, cancellationToken, time);
            context.Log($"{OperationLifecycle.RestartedReason} ({op.RunBy ?? "unknown instance"}); cleaning up", OperationLogLevel.Error);
            var kind = scope.ServiceProvider.GetServices<IOperationKind>().FirstOrDefault(k => k.Name == op.Kind);
            try
            {
                if (kind is not null)
                {
                    await kind.CleanupAsync(new OperationRun(op.Id, op.Kind, op.Target, OperationService.Parameters(op), op.RequestedBy, op.RequestedAt, op.ApprovedBy), context);
                }

                context.Log("clean-up done");
            }
#pragma warning disable CA1031 // a failed clean-up is logged on the operation; failing it must still happen
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                context.Log($"clean-up failed: {ex.Message}", OperationLogLevel.Error);
            }

            await FlushAsync(context, connection, cancellationToken);
            context.Dispose();
            await EndAsync(actions, db, op, OperationState.Running, "operations.failed", OperationLifecycle.RestartedReason, cancellationToken);
        }
    }

    private async Task EndAsync(AuditedActions actions, ConsoleDbContext db, StoredOperation op, OperationState from, string action, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await actions.RunAsync(AuditActors.System, async work =>
        {
            var updated = await db.Operations.Where(o => o.Id == op.Id && o.State == from)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.State, OperationState.Failed)
                    .SetProperty(o => o.Error, reason)
                    .SetProperty(o => o.EndedAt, now)
                    .SetProperty(o => o.UpdatedAt, now), cancellationToken);
            if (updated > 0)
            {
                await work.RecordAsync(action, "operation", op.Id.ToString(), AuditOutcome.Failed, ("kind", op.Kind), ("target", op.Target), ("error", reason));
                work.Publish(OperationTopics.Changed, new OperationChanged(op.Id, op.Target, OperationState.Failed, false));
            }

            return true;
        }, cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Operation {Id} ({Kind} on {Target}) failed")]
    private partial void LogRunFailed(Exception ex, Guid id, string kind, string target);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Operation {Id} left running by {Instance} ({Kind} on {Target}) has no runner any more: failing it")]
    private partial void LogOrphan(Guid id, string kind, string target, string? instance);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Looking for orphaned or expired operations failed")]
    private partial void LogSweepFailed(Exception ex);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Claiming queued operations failed")]
    private partial void LogClaimFailed(Exception ex);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Writing the log of operation {Id} failed; retrying at the next flush")]
    private partial void LogFlushFailed(Exception ex, Guid id);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Recording the end of operation {Id} failed; the sweep will fail it")]
    private partial void LogFinishFailed(Exception ex, Guid id);
}
